//! Request routing, independent of the HTTP library so tests can call it
//! directly.
//!
//! WorkOS endpoints: `GET /sso/jwks/<client_id>`, `GET /user_management/users/<id>`.
//! Development endpoints live under `/__dev/` and are never affected by a
//! simulated outage, so a test can always switch the outage off again.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::ids;
use super::keys::{KeyRing, SigningKey};
use super::tokens::{self, TokenRequest};
use super::users::UserStore;

pub struct Config {
    pub client_id: String,
    pub api_key: String,
    /// Without a trailing slash.
    pub issuer_base: String,
    /// How long a request hangs in `timeout` outage mode. 30 s in the real
    /// server (longer than any sane client timeout); tests shorten it.
    pub timeout_delay: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outage {
    None,
    Unavailable,
    Timeout,
}

/// Makes the key each rotation installs. A function so tests can avoid
/// generating 2048-bit keys repeatedly.
pub type KeyFactory = Box<dyn Fn() -> SigningKey + Send + Sync>;

pub struct State {
    pub config: Config,
    new_key: KeyFactory,
    keys: Mutex<KeyRing>,
    users: Mutex<UserStore>,
    outage: Mutex<Outage>,
    jwks_requests: AtomicU64,
    user_requests: AtomicU64,
}

impl State {
    pub fn new(config: Config, new_key: KeyFactory) -> State {
        let first = new_key();
        State {
            config,
            new_key,
            keys: Mutex::new(KeyRing::new(first)),
            users: Mutex::new(UserStore::default()),
            outage: Mutex::new(Outage::None),
            jwks_requests: AtomicU64::new(0),
            user_requests: AtomicU64::new(0),
        }
    }

    pub fn current_kid(&self) -> String {
        lock(&self.keys).current().kid.clone()
    }

    fn issuer(&self) -> String {
        format!("{}/user_management/{}", self.config.issuer_base, self.config.client_id)
    }
}

/// A panic in one request thread must not wedge the whole server, so a
/// poisoned lock is used anyway (the data is plain and stays consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Request<'a> {
    pub method: &'a str,
    /// May include a query string, which is ignored.
    pub url: &'a str,
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply { status, body }
}

fn message(status: u16, text: &str) -> Reply {
    reply(status, json!({ "message": text }))
}

pub fn handle(state: &State, req: &Request) -> Reply {
    let path = req.url.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (req.method, segments.as_slice()) {
        ("GET", ["sso", "jwks", client_id]) => {
            state.jwks_requests.fetch_add(1, Ordering::Relaxed);
            if let Some(down) = outage(state) {
                return down;
            }
            jwks(state, client_id)
        }
        ("GET", ["user_management", "users", user_id]) => {
            state.user_requests.fetch_add(1, Ordering::Relaxed);
            if let Some(down) = outage(state) {
                return down;
            }
            get_user(state, req.authorization, user_id)
        }
        ("POST", ["__dev", "tokens"]) => with_body(req, |body| mint_token(state, body)),
        ("POST", ["__dev", "users"]) => with_body(req, |body| put_user(state, body)),
        ("POST", ["__dev", "rotate-key"]) => with_body(req, |body| rotate_key(state, body)),
        ("POST", ["__dev", "outage"]) => with_body(req, |body| set_outage(state, body)),
        ("GET", ["__dev", "stats"]) => stats(state),
        ("POST", ["__dev", "stats", "reset"]) => {
            state.jwks_requests.store(0, Ordering::Relaxed);
            state.user_requests.store(0, Ordering::Relaxed);
            stats(state)
        }
        _ => message(404, "Not found"),
    }
}

/// Parses a JSON body (empty means `{}`, since every field of some endpoints
/// is optional) and answers 400 when it doesn't fit `T`.
fn with_body<T: for<'de> Deserialize<'de>>(req: &Request, f: impl FnOnce(T) -> Reply) -> Reply {
    let text = match std::str::from_utf8(req.body) {
        Ok(t) => t,
        Err(_) => return message(400, "Request body is not UTF-8"),
    };
    let text = if text.trim().is_empty() { "{}" } else { text };
    match serde_json::from_str(text) {
        Ok(body) => f(body),
        Err(e) => message(400, &format!("Invalid JSON body: {e}")),
    }
}

/// The answer a WorkOS endpoint gives during a simulated outage, if any.
fn outage(state: &State) -> Option<Reply> {
    let mode = *lock(&state.outage);
    match mode {
        Outage::None => None,
        Outage::Unavailable => Some(message(503, "Service Unavailable")),
        Outage::Timeout => {
            // Hang like an overloaded upstream; the worker's own timeout
            // should fire long before this answers.
            std::thread::sleep(state.config.timeout_delay);
            Some(message(503, "Service Unavailable"))
        }
    }
}

fn jwks(state: &State, client_id: &str) -> Reply {
    if client_id != state.config.client_id {
        return message(404, "Not found");
    }
    reply(200, lock(&state.keys).jwks())
}

fn get_user(state: &State, authorization: Option<&str>, user_id: &str) -> Reply {
    let presented = authorization.and_then(|h| {
        let (scheme, token) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    if presented != Some(state.config.api_key.as_str()) {
        return message(401, "Unauthorized");
    }
    match lock(&state.users).get(user_id) {
        Some(user) => reply(200, json!(user)),
        None => message(404, "User not found"),
    }
}

fn mint_token(state: &State, req: TokenRequest) -> Reply {
    let sub = {
        let mut users = lock(&state.users);
        let sub = match (&req.sub, &req.email) {
            (Some(sub), _) => sub.clone(),
            // Reuse the id of whoever owns this email, so minting twice for
            // the same email signs in the same person.
            (None, Some(email)) => users.id_for_email(email),
            (None, None) => ids::prefixed("user"),
        };
        if let Some(email) = &req.email {
            users.upsert(&sub, email);
        }
        sub
    };
    let claims = tokens::build_claims(&req, &sub, &state.issuer(), ids::now_unix_secs());
    // Snapshot the key, then sign without holding the lock.
    let key = lock(&state.keys).current();
    let kid = req.kid.clone().unwrap_or_else(|| key.kid.clone());
    let access_token = tokens::sign(claims.clone(), &key, &kid);
    reply(200, json!({ "access_token": access_token, "user_id": sub, "claims": claims, "kid": kid }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserRequest {
    id: Option<String>,
    email: String,
    /// Whether WorkOS has verified the email; unchanged when absent (new users: verified).
    email_verified: Option<bool>,
}

fn put_user(state: &State, req: UserRequest) -> Reply {
    let mut users = lock(&state.users);
    // Without an id, an already-registered email means "that user".
    let id = req.id.unwrap_or_else(|| users.id_for_email(&req.email));
    let mut user = users.upsert(&id, &req.email);
    if let Some(verified) = req.email_verified {
        user = users.set_email_verified(&id, verified);
    }
    reply(200, json!(user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateRequest {
    #[serde(default)]
    retire_previous: bool,
}

fn rotate_key(state: &State, req: RotateRequest) -> Reply {
    // Key generation is the slow part; keep it outside the lock so JWKS and
    // token requests carry on meanwhile.
    let next = (state.new_key)();
    let kid = next.kid.clone();
    let mut keys = lock(&state.keys);
    keys.rotate(next, req.retire_previous);
    reply(200, json!({ "kid": kid, "published": keys.published_kids() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutageRequest {
    mode: Outage,
}

fn set_outage(state: &State, req: OutageRequest) -> Reply {
    *lock(&state.outage) = req.mode;
    reply(200, json!({ "mode": req.mode }))
}

fn stats(state: &State) -> Reply {
    reply(
        200,
        json!({
            "jwks_requests": state.jwks_requests.load(Ordering::Relaxed),
            "user_requests": state.user_requests.load(Ordering::Relaxed),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode_part, test_state, verify_rs256};

    fn call(state: &State, method: &str, url: &str, auth: Option<&str>, body: &str) -> Reply {
        handle(state, &Request { method, url, authorization: auth, body: body.as_bytes() })
    }

    fn get(state: &State, url: &str) -> Reply {
        call(state, "GET", url, None, "")
    }

    fn post(state: &State, url: &str, body: &str) -> Reply {
        call(state, "POST", url, None, body)
    }

    fn get_user(state: &State, id: &str, auth: Option<&str>) -> Reply {
        call(state, "GET", &format!("/user_management/users/{id}"), auth, "")
    }

    const AUTH: Option<&str> = Some("Bearer sk_test");

    #[test]
    fn jwks_only_for_configured_client() {
        let state = test_state();
        let r = get(&state, "/sso/jwks/client_test");
        assert_eq!(r.status, 200);
        let keys = r.body["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kid"], state.current_kid());

        let r = get(&state, "/sso/jwks/client_other");
        assert_eq!(r.status, 404);
        assert!(r.body["message"].is_string());
        // Query strings are ignored.
        assert_eq!(get(&state, "/sso/jwks/client_test?x=1").status, 200);
    }

    #[test]
    fn minted_token_verifies_against_published_jwks() {
        let state = test_state();
        let r = post(&state, "/__dev/tokens", r#"{"email":"ada@example.com","org_id":"org_01A","role":"member"}"#);
        assert_eq!(r.status, 200, "{:?}", r.body);
        let token = r.body["access_token"].as_str().unwrap();
        let user_id = r.body["user_id"].as_str().unwrap();
        assert!(user_id.starts_with("user_01"));
        assert_eq!(r.body["kid"], state.current_kid());

        let header = decode_part(token, 0);
        assert_eq!(header["kid"], state.current_kid());
        let claims = decode_part(token, 1);
        assert_eq!(claims, r.body["claims"]);
        assert_eq!(claims["sub"], user_id);
        assert_eq!(claims["iss"], "http://127.0.0.1:1/user_management/client_test");
        assert_eq!(claims["email"], "ada@example.com");
        assert_eq!(claims["org_id"], "org_01A");
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), tokens::DEFAULT_TTL_SECONDS);

        let jwks = get(&state, "/sso/jwks/client_test").body;
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == header["kid"])
            .expect("signing key is published");
        verify_rs256(token, jwk).expect("signature verifies");
    }

    #[test]
    fn same_email_same_user_and_user_lookup() {
        let state = test_state();
        let first = post(&state, "/__dev/tokens", r#"{"email":"ada@example.com"}"#).body;
        let second = post(&state, "/__dev/tokens", r#"{"email":"ada@example.com"}"#).body;
        assert_eq!(first["user_id"], second["user_id"]);
        assert_ne!(first["claims"]["sid"], second["claims"]["sid"]);

        let id = first["user_id"].as_str().unwrap();
        let r = get_user(&state, id, AUTH);
        assert_eq!(r.status, 200);
        assert_eq!(r.body["object"], "user");
        assert_eq!(r.body["id"], id);
        assert_eq!(r.body["email"], "ada@example.com");
        assert_eq!(r.body["email_verified"], true);
        assert!(r.body["first_name"].is_null());
        assert!(r.body["profile_picture_url"].is_null());
        assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));

        // Without an email nobody gets registered.
        let anon = post(&state, "/__dev/tokens", "").body;
        assert!(anon["claims"].get("email").is_none());
        let anon_id = anon["user_id"].as_str().unwrap();
        assert_eq!(get_user(&state, anon_id, AUTH).status, 404);
    }

    #[test]
    fn users_endpoint_requires_the_api_key() {
        let state = test_state();
        let id = post(&state, "/__dev/users", r#"{"email":"x@example.com"}"#).body["id"].as_str().unwrap().to_string();
        for bad in [None, Some("Bearer wrong"), Some("sk_test"), Some("Basic sk_test")] {
            let r = get_user(&state, &id, bad);
            assert_eq!(r.status, 401, "{bad:?}");
            assert_eq!(r.body, json!({"message": "Unauthorized"}));
        }
        assert_eq!(get_user(&state, &id, Some("bearer  sk_test ")).status, 200);
        let r = get_user(&state, "user_01UNKNOWN", AUTH);
        assert_eq!(r.status, 404);
        assert_eq!(r.body, json!({"message": "User not found"}));
    }

    #[test]
    fn dev_users_create_and_change_email() {
        let state = test_state();
        let created = post(&state, "/__dev/users", r#"{"id":"user_01FIXED","email":"a@example.com"}"#);
        assert_eq!(created.status, 200);
        assert_eq!(created.body["id"], "user_01FIXED");
        let changed = post(&state, "/__dev/users", r#"{"id":"user_01FIXED","email":"b@example.com"}"#);
        assert_eq!(changed.body["email"], "b@example.com");
        let unverified =
            post(&state, "/__dev/users", r#"{"id":"user_01FIXED","email":"b@example.com","email_verified":false}"#);
        assert_eq!(unverified.body["email_verified"], false);
        assert_eq!(get_user(&state, "user_01FIXED", AUTH).body["email_verified"], false);
        assert_eq!(get_user(&state, "user_01FIXED", AUTH).body["email"], "b@example.com");
        // A token for the new email signs in the same user.
        let minted = post(&state, "/__dev/tokens", r#"{"email":"b@example.com"}"#).body;
        assert_eq!(minted["user_id"], "user_01FIXED");
        // Email is required.
        assert_eq!(post(&state, "/__dev/users", r#"{"id":"user_01X"}"#).status, 400);
    }

    #[test]
    fn rotation_publishes_and_retires() {
        let state = test_state();
        let old_kid = state.current_kid();
        let old_token = post(&state, "/__dev/tokens", "{}").body["access_token"].as_str().unwrap().to_string();

        let r = post(&state, "/__dev/rotate-key", "");
        assert_eq!(r.status, 200);
        let new_kid = r.body["kid"].as_str().unwrap().to_string();
        assert_ne!(new_kid, old_kid);
        assert_eq!(r.body["published"], json!([new_kid, old_kid]));
        assert_eq!(state.current_kid(), new_kid);
        let minted = post(&state, "/__dev/tokens", "{}").body;
        assert_eq!(minted["kid"], new_kid);
        assert_eq!(decode_part(minted["access_token"].as_str().unwrap(), 0)["kid"], new_kid);
        let jwks = get(&state, "/sso/jwks/client_test").body;
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        verify_rs256(&old_token, &jwks["keys"][1]).expect("old token still verifies");

        let r = post(&state, "/__dev/rotate-key", r#"{"retire_previous":true}"#);
        let newest = r.body["kid"].as_str().unwrap().to_string();
        assert_eq!(r.body["published"], json!([newest]));
        let jwks = get(&state, "/sso/jwks/client_test").body;
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
        assert_eq!(jwks["keys"][0]["kid"], newest);
    }

    #[test]
    fn outage_affects_only_workos_endpoints_and_is_counted() {
        let state = test_state();
        let r = post(&state, "/__dev/outage", r#"{"mode":"unavailable"}"#);
        assert_eq!(r.body, json!({"mode": "unavailable"}));
        assert_eq!(get(&state, "/sso/jwks/client_test").status, 503);
        assert_eq!(get_user(&state, "user_01X", AUTH).status, 503);
        // Dev endpoints keep working during an outage.
        assert_eq!(post(&state, "/__dev/tokens", "{}").status, 200);
        assert_eq!(get(&state, "/__dev/stats").body, json!({"jwks_requests": 1, "user_requests": 1}));

        let r = post(&state, "/__dev/outage", r#"{"mode":"timeout"}"#);
        assert_eq!(r.status, 200);
        let started = std::time::Instant::now();
        assert_eq!(get(&state, "/sso/jwks/client_test").status, 503);
        assert!(started.elapsed() >= state.config.timeout_delay);

        post(&state, "/__dev/outage", r#"{"mode":"none"}"#);
        assert_eq!(get(&state, "/sso/jwks/client_test").status, 200);
        assert_eq!(get(&state, "/sso/jwks/client_other").status, 404);
        assert_eq!(get(&state, "/__dev/stats").body["jwks_requests"], 4);

        let r = post(&state, "/__dev/stats/reset", "");
        assert_eq!(r.body, json!({"jwks_requests": 0, "user_requests": 0}));
        assert_eq!(post(&state, "/__dev/outage", r#"{"mode":"sideways"}"#).status, 400);
    }

    #[test]
    fn bad_requests() {
        let state = test_state();
        assert_eq!(post(&state, "/__dev/tokens", "{not json").status, 400);
        assert_eq!(post(&state, "/__dev/tokens", "[1]").status, 400);
        assert_eq!(post(&state, "/__dev/tokens", r#"{"ttl":5}"#).status, 400);
        let r = get(&state, "/nope");
        assert_eq!(r.status, 404);
        assert_eq!(r.body, json!({"message": "Not found"}));
        assert_eq!(get(&state, "/__dev/tokens").status, 404);
        assert_eq!(post(&state, "/sso/jwks/client_test", "").status, 404);
    }
}
