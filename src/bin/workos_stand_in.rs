//! `workos-stand-in`: a local WorkOS for `npm run dev` and end-to-end tests.
//!
//! It plays the WorkOS endpoints the worker calls (the AuthKit JWKS, the user
//! API, hosted sign-in and sessions), delivers signed webhooks when users and
//! sessions change, and adds `/__dev/` endpoints to mint tokens, manage
//! users, rotate the signing key, simulate outages and count upstream calls.
//! Native only. It shares only small helpers with the worker (timestamps), never
//! the verification code it exists to test.
//!
//! Usage: `workos-stand-in [--port N] [--client-id ID] [--api-key KEY] [--issuer-base URL]`
//! Prints exactly one line to stdout once ready,
//! `workos-stand-in listening on http://127.0.0.1:<port>`, which scripts wait
//! for (and parse the port from, with `--port 0`). Request logs go to stderr.

// A native program: the wasm build of the crate (worker-build, wasm tests) skips it.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

// A bin's root resolves `mod` paths from src/bin/, so point into our own
// directory explicitly.
#[path = "workos_stand_in/accounts.rs"]
mod accounts;
#[path = "workos_stand_in/hosted.rs"]
mod hosted;
#[path = "workos_stand_in/ids.rs"]
mod ids;
#[path = "workos_stand_in/keys.rs"]
mod keys;
#[path = "workos_stand_in/routes.rs"]
mod routes;
#[path = "workos_stand_in/server.rs"]
mod server;
#[path = "workos_stand_in/tokens.rs"]
mod tokens;
#[path = "workos_stand_in/users.rs"]
mod users;
#[path = "workos_stand_in/webhooks.rs"]
mod webhooks;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "\
usage: workos-stand-in [--port N] [--client-id ID] [--api-key KEY] [--issuer-base URL]

  --port N            port on 127.0.0.1 (default 9797; 0 picks a free one)
  --client-id ID      WorkOS client id whose JWKS is served (default client_local_dev)
  --api-key KEY       API key required by the user endpoint (default sk_test_local_dev)
  --issuer-base URL   base of the token issuer, iss = URL/user_management/<client id>
                      (default http://127.0.0.1:<port>)";

#[derive(Debug, PartialEq)]
struct Args {
    port: u16,
    client_id: String,
    api_key: String,
    issuer_base: Option<String>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 9797,
        client_id: "client_local_dev".into(),
        api_key: "sk_test_local_dev".into(),
        issuer_base: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                let v = value()?;
                parsed.port = v.parse().map_err(|_| format!("invalid port: {v}"))?;
            }
            "--client-id" => parsed.client_id = value()?,
            "--api-key" => parsed.api_key = value()?,
            "--issuer-base" => parsed.issuer_base = Some(value()?),
            _ => return Err(format!("unknown argument: {arg}")),
        }
    }
    Ok(parsed)
}

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return;
            }
            eprintln!("workos-stand-in: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };

    // Bind before generating the key so a busy port fails immediately.
    let (http, port) = server::bind(args.port).unwrap_or_else(|e| {
        eprintln!("workos-stand-in: {e}");
        std::process::exit(1);
    });
    let issuer_base =
        args.issuer_base.unwrap_or_else(|| format!("http://127.0.0.1:{port}")).trim_end_matches('/').to_string();
    let config = routes::Config {
        client_id: args.client_id,
        api_key: args.api_key,
        issuer_base,
        timeout_delay: Duration::from_secs(30),
    };
    let state = Arc::new(routes::State::new(config, Box::new(|| keys::SigningKey::generate(keys::KEY_BITS))));
    eprintln!(
        "workos-stand-in: client id {}, issuer {}/user_management/{}, signing key {}",
        state.config.client_id,
        state.config.issuer_base,
        state.config.client_id,
        state.current_kid()
    );

    // The one stdout line, flushed: scripts block on it.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "workos-stand-in listening on http://127.0.0.1:{port}");
    let _ = stdout.flush();
    drop(stdout);

    server::serve(http, state);
}

/// Helpers shared by the unit tests of all modules.
#[cfg(test)]
mod test_support {
    use crate::keys::SigningKey;
    use crate::routes::{Config, State};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
    use serde_json::Value;
    use sha2::{Digest, Sha256};
    use std::sync::OnceLock;
    use std::time::Duration;

    /// A real 2048-bit key generated once per test run and shared under fresh
    /// kids: key generation dominates test time in unoptimised builds, and
    /// what the tests check (kid bookkeeping, signatures) doesn't need
    /// distinct key material.
    pub fn test_key() -> SigningKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        let private = KEY.get_or_init(|| SigningKey::generate(crate::keys::KEY_BITS).private).clone();
        SigningKey { kid: crate::ids::prefixed("sso_oidc_key_pair"), private }
    }

    pub fn test_state() -> State {
        State::new(
            Config {
                client_id: "client_test".into(),
                api_key: "sk_test".into(),
                issuer_base: "http://127.0.0.1:1".into(),
                timeout_delay: Duration::from_millis(800),
            },
            Box::new(test_key),
        )
    }

    /// Decodes the JSON of a JWT's header (0) or payload (1).
    pub fn decode_part(token: &str, index: usize) -> Value {
        let part = token.split('.').nth(index).expect("JWT part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    /// Verifies an RS256 JWT against a JWK using `rsa` directly, i.e.
    /// independently of jwt-compact, which signed it.
    pub fn verify_rs256(token: &str, jwk: &Value) -> Result<(), String> {
        let (signed, signature) = token.rsplit_once('.').ok_or("no signature")?;
        let int = |name: &str| {
            URL_SAFE_NO_PAD
                .decode(jwk[name].as_str().unwrap_or_default())
                .map(|b| BigUint::from_bytes_be(&b))
                .map_err(|e| e.to_string())
        };
        let key = RsaPublicKey::new(int("n")?, int("e")?).map_err(|e| e.to_string())?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
        let digest = Sha256::digest(signed.as_bytes());
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature).map_err(|e| e.to_string())
    }

    #[test]
    fn verification_rejects_tampering() {
        let key = test_key();
        let token = crate::tokens::sign(serde_json::Map::new(), &key, &key.kid);
        assert!(verify_rs256(&token, &key.jwk()).is_ok());
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"someone_else"}"#);
        let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(verify_rs256(&tampered, &key.jwk()).is_err());
    }
}

#[cfg(test)]
mod cli_tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse(&[]).unwrap(),
            Args {
                port: 9797,
                client_id: "client_local_dev".into(),
                api_key: "sk_test_local_dev".into(),
                issuer_base: None,
            }
        );
    }

    #[test]
    fn flags() {
        let args =
            parse(&["--port", "0", "--client-id=client_x", "--api-key", "k", "--issuer-base", "https://a/"]).unwrap();
        assert_eq!(args.port, 0);
        assert_eq!(args.client_id, "client_x");
        assert_eq!(args.api_key, "k");
        assert_eq!(args.issuer_base.as_deref(), Some("https://a/"));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
