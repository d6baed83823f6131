//! Routes that exist only in benchmark builds (`--features bench-routes`, `npm run bench`).
//!
//! A Worker's clock cannot time microseconds (`Date.now()` counts milliseconds, and a deployed
//! Worker's clock only moves with I/O), so these routes repeat a piece of work `n` times and the
//! benchmark measures the same request with n and n+N repetitions from outside: the difference
//! divided by N is the cost of one repetition.

mod recorded;
#[cfg(target_arch = "wasm32")]
mod webcrypto;

pub use recorded::Recorded;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;

use crate::app::App;
use crate::crypto::rsa::{Comparison, RsaVerifyingKey};
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::{KeyValueStore, Platform};
use crate::token::bearer_token;
use crate::token::{verify_access_token, verify_signature_and_claims, ClaimPolicy, UnverifiedToken};

/// Where the benchmark routes live.
pub const ROUTE_PREFIX: &str = "/v1/__bench/";

/// Upper bound on repetitions per request, so a bench build cannot be made to spin forever.
const MAX_REPETITIONS: u32 = 100_000;

/// `POST /v1/__bench/{fresh,cached,rsa,sha256,parse,claims,setup,scaling}?n=N` with the token as
/// bearer.
/// - `fresh`: full verification (parse, key lookup, RS256, claims) without the verified-token cache
///   (the isolate's key, which has made its plain verifications by the time the bench counts);
/// - `cached`: verification through the cache (a token this isolate has verified before);
/// - `rsa`: the RSA primitive alone on the token's signing input, with the key given as `key_n`,
///   `key_e`, and its scaled comparison prepared first; with `comparison=plain`, the plain
///   comparison a key makes for its first verifications;
/// - `sha256`: SHA-256 of the token's signing input alone (the hashing part of `rsa`);
/// - `parse`: the token's structure and header alone; `claims`: its claims and their policy alone;
/// - `setup`: building the verifying key (Montgomery constants) of the token's JWK;
/// - `scaling`: building it and then its scaled comparison's constants (less `setup`: what a key
///   pays once, after its plain verifications).
///
/// `route` (a route's own work, D1 answered from memory) is dispatched by the router itself, which
/// owns the routes: see [`route_request`].
///
/// In workerd also `webcrypto`, the reference (see the `webcrypto` module), and `panic`, which
/// panics after an await, as a bug in the request's work would: the end-to-end tests hold the
/// worker's entry to recovering from it (`src/shell/entry.js`). Dispatched by the router, ahead of
/// the API, with `mode` the path after [`ROUTE_PREFIX`].
pub async fn handle<P: Platform>(app: &App<'_, P>, request: &ApiRequest, mode: &str) -> ApiResponse {
    if mode == "panic" {
        let _ = app.platform.kv().get("bench:panic").await;
        panic!("the bench route that panics");
    }
    #[cfg(target_arch = "wasm32")]
    if mode == "webcrypto" {
        return webcrypto::handle(request).await;
    }
    run(app, request, mode).await.unwrap_or_else(ApiError::into_response)
}

async fn run<P: Platform>(app: &App<'_, P>, request: &ApiRequest, mode: &str) -> Result<ApiResponse, ApiError> {
    let repetitions = repetitions(request)?;
    let token = bearer_token(request)?;
    let now = app.platform.now() / 1000;
    // Warm the key cache (and the verified-token cache) once, outside the measured repetitions.
    let identity = verify_access_token(&app.isolate.tokens, app.platform, app.config, token).await?;
    match mode {
        "fresh" => {
            for _ in 0..repetitions {
                verify_signature_and_claims(
                    &app.isolate.tokens,
                    app.platform,
                    app.config,
                    &app.config.session_trust(None),
                    token,
                    now,
                )
                .await?;
            }
        }
        "cached" => {
            for _ in 0..repetitions {
                verify_access_token(&app.isolate.tokens, app.platform, app.config, token).await?;
            }
        }
        "rsa" => {
            // The RSA primitive alone (SHA-256 of the signing input + s^e mod n), to split the
            // cost of `fresh` between our arithmetic and the JWT handling around it.
            let (signing_input, signature) = signing_input_and_signature(token)?;
            let (n, e) = request_key(request)?;
            let key = RsaVerifyingKey::from_be_bytes(&n, &e)
                .map_err(|_| ApiError::new(ErrorCode::InvalidQuery, "unusable key"))?;
            let comparison = match request.query_param("comparison")?.as_deref() {
                Some("plain") => Comparison::Plain,
                _ => {
                    key.prepare_scaled_comparison();
                    Comparison::Scaled
                }
            };
            for _ in 0..repetitions {
                let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(signing_input.as_bytes()).into();
                if !key.verify_sha256_digest_by(comparison, &digest, &signature) {
                    return Err(ApiError::new(
                        ErrorCode::TokenSignatureInvalid,
                        "the token does not verify with this key",
                    ));
                }
            }
        }
        "sha256" => {
            let (signing_input, _) = signing_input_and_signature(token)?;
            for _ in 0..repetitions {
                std::hint::black_box(<sha2::Sha256 as sha2::Digest>::digest(std::hint::black_box(
                    signing_input.as_bytes(),
                )));
            }
        }
        "parse" => {
            for _ in 0..repetitions {
                std::hint::black_box(UnverifiedToken::parse(token)?);
            }
        }
        "claims" => {
            let unverified = UnverifiedToken::parse(token)?;
            let policy = ClaimPolicy::from_config(app.config);
            for _ in 0..repetitions {
                std::hint::black_box(policy.check(unverified.claims_unverified()?, now)?);
            }
        }
        "setup" | "scaling" => {
            let (n, e) = request_key(request)?;
            for _ in 0..repetitions {
                let key = RsaVerifyingKey::from_be_bytes(&n, &e)
                    .map_err(|_| ApiError::new(ErrorCode::InvalidQuery, "unusable key"))?;
                if mode == "scaling" {
                    key.prepare_scaled_comparison();
                }
            }
        }
        _ => return Err(ApiError::new(ErrorCode::RouteNotFound, "no such bench")),
    }
    Ok(ApiResponse::json(200, &json!({ "mode": mode, "n": repetitions, "user_id": identity.user_id })))
}

/// What `POST /v1/__bench/route?method=M&path=P&n=N` runs (see `routes::router`): the route
/// `P` with method `M` (GET when absent) and the caller's credential (its authorization, cookie
/// and origin headers), and `n`.
pub fn route_request(request: &ApiRequest) -> Result<(ApiRequest, u32), ApiError> {
    let n = repetitions(request)?;
    let path = request.query_param("path")?.unwrap_or_default();
    let method = crate::http::Method::parse(&request.query_param("method")?.unwrap_or_else(|| "GET".into()));
    let mut inner = ApiRequest::new(method, &path);
    inner.headers = request
        .headers
        .iter()
        .filter(|(name, _)| matches!(name.as_str(), "authorization" | "cookie" | "origin"))
        .cloned()
        .collect();
    inner.origin.clone_from(&request.origin);
    Ok((inner, n))
}

/// The `n` query parameter: how many times to repeat the work, at most [`MAX_REPETITIONS`].
pub(crate) fn repetitions(request: &ApiRequest) -> Result<u32, ApiError> {
    request
        .query_param("n")?
        .and_then(|n| n.parse().ok())
        .filter(|n| *n <= MAX_REPETITIONS)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "n must be 0..=100000"))
}

/// A token's signing input (`header.payload`) and its decoded signature.
pub(crate) fn signing_input_and_signature(token: &str) -> Result<(&str, Vec<u8>), ApiError> {
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or((token, ""));
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| ApiError::new(ErrorCode::TokenMalformed, "signature is not base64url"))?;
    Ok((signing_input, signature))
}

/// The `n` and `e` query parameters (base64url) of the key to set up.
fn request_key(request: &ApiRequest) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
    let decode = |name: &str| -> Result<Vec<u8>, ApiError> {
        let text = request.query_param(name)?.unwrap_or_default();
        URL_SAFE_NO_PAD.decode(text).map_err(|_| ApiError::new(ErrorCode::InvalidQuery, "bad key component"))
    };
    Ok((decode("key_n")?, decode("key_e")?))
}
