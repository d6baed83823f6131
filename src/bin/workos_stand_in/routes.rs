//! Request routing, independent of the HTTP library so tests can call it
//! directly.
//!
//! WorkOS endpoints: `GET /sso/jwks/<client_id>`, `GET`, `PUT` and `DELETE
//! /user_management/users/<id>`, and hosted sign-in (see [`super::hosted`]):
//! `GET /user_management/authorize` (a page), `POST /user_management/authenticate`,
//! `POST /user_management/sessions/revoke`, `GET /user_management/sessions/logout`. Changes to
//! users and sessions are delivered as webhooks (see [`super::webhooks`]).
//! Development endpoints live under `/__dev/` and are never affected by a
//! simulated outage, so a test can always switch the outage off again.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::accounts::{Accounts, Identity, Requirement, MIN_PASSWORD_LENGTH};
use super::hosted::{GrantError, Hosted, Issuing, Origin, RefreshFailure};
use super::ids;
use super::keys::{KeyRing, SigningKey};
use super::tokens::{self, TokenRequest};
use super::users::{User, UserStore};
use super::webhooks::Webhooks;

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
    hosted: Mutex<Hosted>,
    accounts: Mutex<Accounts>,
    webhooks: Webhooks,
    jwks_requests: AtomicU64,
    user_requests: AtomicU64,
    authenticate_requests: AtomicU64,
    refresh_requests: AtomicU64,
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
            hosted: Mutex::new(Hosted::default()),
            accounts: Mutex::new(Accounts::default()),
            webhooks: Webhooks::default(),
            jwks_requests: AtomicU64::new(0),
            user_requests: AtomicU64::new(0),
            authenticate_requests: AtomicU64::new(0),
            refresh_requests: AtomicU64::new(0),
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

#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    /// A JSON body, unless `html` is set.
    pub body: Value,
    /// An HTML page instead of JSON.
    pub html: Option<String>,
    /// More headers (`Location`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply { status, body, ..Reply::default() }
}

fn redirect(location: String) -> Reply {
    Reply { status: 302, headers: vec![("Location", location)], ..Reply::default() }
}

fn page(status: u16, html: String) -> Reply {
    Reply { status, html: Some(html), ..Reply::default() }
}

pub fn message(status: u16, text: &str) -> Reply {
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
        ("PUT", ["user_management", "users", user_id]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            with_body(req, |body| update_user(state, user_id, body))
        }
        ("DELETE", ["user_management", "users", user_id]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            delete_user(state, user_id)
        }
        ("POST", ["user_management", "users"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            with_body(req, |body| create_user(state, body))
        }
        ("GET", ["user_management", "users", user_id, "identities"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            if lock(&state.users).get(user_id).is_none() {
                return coded(404, "entity_not_found", "User not found.");
            }
            reply(200, json!(lock(&state.accounts).identities(user_id)))
        }
        ("GET", ["user_management", "users", user_id, "sessions"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            list_sessions(state, user_id, &query(req.url))
        }
        ("GET", ["user_management", "organization_memberships"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            let params = query(req.url);
            let memberships = lock(&state.accounts).memberships(
                params.get("user_id").map(String::as_str),
                params.get("organization_id").map(String::as_str),
            );
            reply(200, json!({ "data": memberships, "list_metadata": { "before": null, "after": null } }))
        }
        ("GET", ["user_management", "authorize"]) => authorize_page(state, &query(req.url)),
        ("GET", ["user_management", "authorize", "approve"]) => approve(state, &query(req.url)),
        ("POST", ["user_management", "authenticate"]) => {
            state.authenticate_requests.fetch_add(1, Ordering::Relaxed);
            with_body(req, |body| authenticate(state, body))
        }
        ("POST", ["user_management", "sessions", "revoke"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            with_body(req, |body: RevokeRequest| {
                revoke_session(state, &body.session_id);
                reply(200, json!({}))
            })
        }
        ("GET", ["user_management", "sessions", "logout"]) => logout(state, &query(req.url)),
        ("POST", ["__dev", "refresh-failure"]) => with_body(req, |body: RefreshFailureRequest| {
            lock(&state.hosted).refresh_failure = Some(body.mode);
            reply(200, json!({ "mode": body.mode }))
        }),
        ("POST", ["__dev", "issuing"]) => with_body(req, |body: Issuing| {
            lock(&state.hosted).issuing = body;
            reply(200, json!({ "ttl_seconds": body.ttl_seconds, "refresh_delay_ms": body.refresh_delay_ms }))
        }),
        ("POST", ["__dev", "email-verification"]) => with_body(req, |body: EmailVerificationRequest| {
            lock(&state.accounts).email_verification_required = body.required;
            reply(200, json!({ "required": body.required }))
        }),
        ("POST", ["__dev", "memberships"]) => with_body(req, |body: MembershipRequest| {
            let role = body.role.as_deref().unwrap_or("member");
            reply(200, json!(lock(&state.accounts).add_membership(&body.user_id, &body.organization_id, role)))
        }),
        ("POST", ["__dev", "organizations", organization_id]) => with_body(req, |body: OrganizationRequest| {
            lock(&state.accounts).set_requirement(organization_id, body.requires);
            reply(200, json!({ "id": organization_id, "requires": body.requires }))
        }),
        ("GET", ["__dev", "sessions", session_id]) => match lock(&state.hosted).session(session_id) {
            Some(session) => reply(200, json!(session)),
            None => message(404, "Session not found"),
        },
        ("POST", ["__dev", "tokens"]) => with_body(req, |body| mint_token(state, body)),
        ("POST", ["__dev", "mcp-tokens"]) => with_body(req, |body: TokenRequest| {
            if body.aud.is_none() {
                return message(400, "aud (the MCP resource) is required");
            }
            let request = TokenRequest {
                iss: body.iss.clone().or_else(|| Some(state.config.issuer_base.clone())),
                client_id: body.client_id.clone().or_else(|| Some("client_mcp_dev".into())),
                scope: body.scope.clone().or_else(|| Some("read write keys".into())),
                ..body
            };
            mint_token(state, request)
        }),
        // The AuthKit domain of MCP clients: its key set (the same keys here) and its metadata.
        ("GET", ["oauth2", "jwks"]) => {
            state.jwks_requests.fetch_add(1, Ordering::Relaxed);
            if let Some(down) = outage(state) {
                return down;
            }
            reply(200, lock(&state.keys).jwks())
        }
        ("GET", [".well-known", "oauth-authorization-server"]) => {
            if let Some(down) = outage(state) {
                return down;
            }
            let issuer = &state.config.issuer_base;
            reply(
                200,
                json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
                    "token_endpoint": format!("{issuer}/oauth2/token"),
                    "registration_endpoint": format!("{issuer}/oauth2/register"),
                    "jwks_uri": format!("{issuer}/oauth2/jwks"),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                    "code_challenge_methods_supported": ["S256"],
                    "scopes_supported": ["openid", "profile", "email", "offline_access", "read", "write", "keys"],
                }),
            )
        }
        ("POST", ["__dev", "users"]) => with_body(req, |body| put_user(state, body)),
        ("POST", ["__dev", "webhooks"]) => {
            with_body(req, |body: WebhookEndpointRequest| match state.webhooks.configure(body.url.zip(body.secret)) {
                Ok(()) => reply(200, state.webhooks.status()),
                Err(why) => message(400, &why),
            })
        }
        ("GET", ["__dev", "webhooks"]) => reply(200, state.webhooks.status()),
        ("GET", ["events"]) => {
            if !api_key_presented(state, req.authorization) {
                return message(401, "Unauthorized");
            }
            if let Some(down) = outage(state) {
                return down;
            }
            let pairs = query_pairs(req.url);
            let types: Vec<&str> = pairs.iter().filter(|(k, _)| k == "events").map(|(_, v)| v.as_str()).collect();
            if types.is_empty() {
                return coded(422, "invalid_request_parameters", "events is required.");
            }
            let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let limit = value("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(10).clamp(1, 100);
            reply(200, state.webhooks.list(&types, value("after"), limit))
        }
        ("POST", ["__dev", "rotate-key"]) => with_body(req, |body| rotate_key(state, body)),
        ("POST", ["__dev", "outage"]) => with_body(req, |body| set_outage(state, body)),
        ("GET", ["__dev", "stats"]) => stats(state),
        ("POST", ["__dev", "stats", "reset"]) => {
            state.jwks_requests.store(0, Ordering::Relaxed);
            state.user_requests.store(0, Ordering::Relaxed);
            state.authenticate_requests.store(0, Ordering::Relaxed);
            state.refresh_requests.store(0, Ordering::Relaxed);
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
    match serde_json::from_slice(text.as_bytes()) {
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
    /// Sets the password the password grant checks.
    password: Option<String>,
    /// Adds provider identities.
    #[serde(default)]
    identities: Vec<Identity>,
}

fn put_user(state: &State, req: UserRequest) -> Reply {
    let mut users = lock(&state.users);
    // Without an id, an already-registered email means "that user".
    let id = req.id.unwrap_or_else(|| users.id_for_email(&req.email));
    let before = users.get(&id).cloned();
    let mut user = users.upsert(&id, &req.email);
    if let Some(verified) = req.email_verified {
        user = users.set_email_verified(&id, verified);
    }
    if before.is_some_and(|before| before != user) {
        state.webhooks.emit("user.updated", json!(user));
    }
    let mut accounts = lock(&state.accounts);
    if let Some(password) = &req.password {
        accounts.set_password(&id, password);
    }
    for identity in req.identities {
        accounts.add_identity(&id, identity);
    }
    reply(200, json!(user))
}

#[derive(Deserialize)]
struct CreateUserRequest {
    email: String,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email_verified: Option<bool>,
}

/// `POST /user_management/users`: 201 with the user; a taken email or a password the policy
/// refuses is 422 `user_creation_error` with the reason in `errors`.
fn create_user(state: &State, req: CreateUserRequest) -> Reply {
    let refuse = |code: &str, text: &str| {
        reply(
            422,
            json!({
                "code": "user_creation_error",
                "message": "Could not create user.",
                "errors": [{ "code": code, "message": text }],
            }),
        )
    };
    if !req.email.contains('@') {
        return refuse("email_invalid", "The email is not valid.");
    }
    let mut users = lock(&state.users);
    if users.find_by_email(&req.email).is_some() {
        return refuse("email_not_available", "This email is not available.");
    }
    if req.password.as_deref().is_some_and(|p| p.chars().count() < MIN_PASSWORD_LENGTH) {
        return refuse("password_too_short", &format!("Password must be at least {MIN_PASSWORD_LENGTH} characters."));
    }
    let id = users.id_for_email(&req.email);
    users.upsert(&id, &req.email);
    let user = users.set_profile(&id, req.first_name, req.last_name, req.email_verified.unwrap_or(false));
    if let Some(password) = &req.password {
        lock(&state.accounts).set_password(&id, password);
    }
    reply(201, json!(user))
}

/// `GET /user_management/users/{id}/sessions?limit&after`: newest first, `list_metadata.after`
/// names the last one of a full page.
fn list_sessions(state: &State, user_id: &str, params: &HashMap<String, String>) -> Reply {
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(10).clamp(1, 100);
    let sessions = lock(&state.hosted).sessions_of(user_id);
    let start = match params.get("after") {
        Some(after) => match sessions.iter().position(|s| &s.id == after) {
            Some(i) => i + 1,
            None => return coded(400, "invalid_request_parameters", "after names no session."),
        },
        None => 0,
    };
    let page: Vec<_> = sessions.iter().skip(start).take(limit).collect();
    let after = (start + page.len() < sessions.len()).then(|| page.last().map(|s| s.id.clone())).flatten();
    reply(
        200,
        json!({
            "data": page.iter().map(|s| s.listed()).collect::<Vec<_>>(),
            "list_metadata": { "before": null, "after": after },
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipRequest {
    user_id: String,
    organization_id: String,
    role: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailVerificationRequest {
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganizationRequest {
    requires: Option<Requirement>,
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
            "authenticate_requests": state.authenticate_requests.load(Ordering::Relaxed),
            "refresh_requests": state.refresh_requests.load(Ordering::Relaxed),
        }),
    )
}

// ------------------------------------------------------------------------------- hosted sign-in

/// The query parameters of a URL, percent-decoded (the first of a repeated name wins).
fn query(url: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (key, value) in query_pairs(url) {
        params.entry(key).or_insert(value);
    }
    params
}

/// Every parameter of the query, decoded, in order (arrays come as repeated parameters).
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let raw = url.split_once('?').map_or("", |(_, q)| q);
    let decode = |text: &str| edge_auth::http::request::percent_decode(text).unwrap_or_default();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn error_page(status: u16, text: &str) -> Reply {
    page(status, format!("<!doctype html><title>WorkOS stand-in</title><h1>Sign-in error</h1><p>{}</p>", escape(text)))
}

/// What `/user_management/authorize` requires, as WorkOS checks it.
fn check_authorize(state: &State, params: &HashMap<String, String>) -> Result<(), String> {
    let get = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if get("client_id") != Some(state.config.client_id.as_str()) {
        return Err("Invalid client_id.".into());
    }
    if get("response_type") != Some("code") {
        return Err("response_type must be code.".into());
    }
    if get("redirect_uri").is_none() {
        return Err("redirect_uri is required.".into());
    }
    let selectors = ["provider", "connection_id", "organization_id"].iter().filter(|n| get(n).is_some()).count();
    if selectors != 1 {
        return Err("Exactly one of provider, connection_id or organization_id is required.".into());
    }
    if get("code_challenge").is_some() != get("code_challenge_method").is_some()
        || get("code_challenge_method").is_some_and(|m| m != "S256")
    {
        return Err("code_challenge and code_challenge_method=S256 go together.".into());
    }
    if get("screen_hint").is_some() && get("provider") != Some("authkit") {
        return Err("screen_hint needs provider=authkit.".into());
    }
    Ok(())
}

/// The AuthKit page: type an email (or take the login hint) and sign in as that person.
fn authorize_page(state: &State, params: &HashMap<String, String>) -> Reply {
    if let Err(problem) = check_authorize(state, params) {
        return error_page(400, &problem);
    }
    let hidden: String = params
        .iter()
        .filter(|(name, _)| name.as_str() != "email")
        .map(|(name, value)| format!("<input type=hidden name=\"{}\" value=\"{}\">", escape(name), escape(value)))
        .collect();
    let hint = params.get("login_hint").map(String::as_str).unwrap_or("");
    page(
        200,
        format!(
            "<!doctype html><meta charset=utf-8><title>Sign in — WorkOS stand-in</title>\
             <h1>Sign in</h1><p>The local WorkOS stand-in: any email signs in as that person.</p>\
             <form method=get action=\"/user_management/authorize/approve\">{hidden}\
             <label>Email <input name=email type=email required value=\"{}\"></label>\
             <button type=submit>Continue</button></form>",
            escape(hint)
        ),
    )
}

/// The person approved (or, with `deny`, refused): back to `redirect_uri` with a code or an
/// error, and the `state`.
fn approve(state: &State, params: &HashMap<String, String>) -> Reply {
    if let Err(problem) = check_authorize(state, params) {
        return error_page(400, &problem);
    }
    let redirect_uri = &params["redirect_uri"];
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let state_param = params.get("state").map(|s| format!("&state={}", encode(s))).unwrap_or_default();
    if params.contains_key("deny") {
        return redirect(format!(
            "{redirect_uri}{separator}error=access_denied&error_description={}{state_param}",
            encode("The user denied the request.")
        ));
    }
    let Some(email) = params.get("email").filter(|e| e.contains('@')) else {
        return error_page(400, "Type an email address.");
    };
    let user_id = {
        let mut users = lock(&state.users);
        let id = users.id_for_email(email);
        users.upsert(&id, email);
        id
    };
    // Signing in with a social provider links that provider's identity, as AuthKit does.
    if let Some(provider) = params.get("provider").filter(|p| p.as_str() != "authkit") {
        let idp_id = format!("{}-{}", provider.to_ascii_lowercase(), encode(email));
        lock(&state.accounts)
            .add_identity(&user_id, Identity { idp_id, kind: "OAuth".into(), provider: provider.clone() });
    }
    let code = lock(&state.hosted).issue_code(
        &user_id,
        redirect_uri,
        params.get("code_challenge").map(String::as_str),
        params.get("organization_id").map(String::as_str),
    );
    redirect(format!("{redirect_uri}{separator}code={}{state_param}", encode(&code)))
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
    code: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    organization_id: Option<String>,
    email: Option<String>,
    password: Option<String>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    invitation_token: Option<String>,
}

fn grant_error(error: GrantError) -> Reply {
    reply(error.status, json!({ "error": error.error, "error_description": error.description }))
}

/// An error in WorkOS's `{code, message}` shape (user management's other errors).
fn coded(status: u16, code: &str, text: &str) -> Reply {
    reply(status, json!({ "code": code, "message": text }))
}

/// `POST /user_management/authenticate`: the code, password and refresh grants.
fn authenticate(state: &State, req: AuthenticateRequest) -> Reply {
    if req.client_id != state.config.client_id || req.client_secret != state.config.api_key {
        return reply(401, json!({ "error": "invalid_client", "error_description": "Invalid client credentials." }));
    }
    let origin = |auth_method: &str| Origin {
        auth_method: auth_method.to_owned(),
        ip_address: req.ip_address.clone(),
        user_agent: req.user_agent.clone(),
    };
    let session = match req.grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = req.code.as_deref() else { return grant_error(GrantError::missing("code")) };
            lock(&state.hosted).exchange_code(code, req.code_verifier.as_deref(), origin("Password"))
        }
        "password" => {
            let (Some(email), Some(password)) = (req.email.as_deref(), req.password.as_deref()) else {
                return grant_error(GrantError::missing("email and password"));
            };
            let Some(user) = lock(&state.users).find_by_email(email).cloned() else {
                return coded(400, "invalid_credentials", "Invalid credentials.");
            };
            if !lock(&state.accounts).password_matches(&user.id, password) {
                return coded(400, "invalid_credentials", "Invalid credentials.");
            }
            if lock(&state.accounts).email_verification_required && !user.email_verified {
                return reply(
                    403,
                    json!({
                        "code": "email_verification_required",
                        "message": "Email ownership must be verified before authentication.",
                        "email": user.email,
                        "pending_authentication_token": ids::prefixed("pat"),
                    }),
                );
            }
            let refusal = lock(&state.accounts).password_grant_refusal(&user.id);
            if let Some(code) = refusal {
                return password_grant_refused(state, code, &user);
            }
            Ok(lock(&state.hosted).start_session(&user.id, None, origin("Password")))
        }
        "refresh_token" => {
            state.refresh_requests.fetch_add(1, Ordering::Relaxed);
            let failure = lock(&state.hosted).refresh_failure.unwrap_or(RefreshFailure::None);
            match failure {
                RefreshFailure::None => {}
                RefreshFailure::RateLimited => {
                    let mut limited = message(429, "Too Many Requests");
                    limited.headers.push(("Retry-After", "2".into()));
                    return limited;
                }
                RefreshFailure::Unavailable => return message(503, "Service Unavailable"),
                RefreshFailure::Timeout => {
                    std::thread::sleep(state.config.timeout_delay);
                    return message(503, "Service Unavailable");
                }
                RefreshFailure::InvalidGrant => {
                    return grant_error(GrantError {
                        status: 400,
                        error: "invalid_grant",
                        description: "Session has been revoked.".into(),
                    })
                }
            }
            let Some(refresh_token) = req.refresh_token.as_deref() else {
                return grant_error(GrantError::missing("refresh_token"));
            };
            if let Some(organization_id) = req.organization_id.as_deref() {
                if let Some(refused) = refuse_organization(state, refresh_token, organization_id) {
                    return refused;
                }
            }
            // A slow refresh still rotates, whether or not its caller waited for the answer.
            let delay = lock(&state.hosted).issuing.refresh_delay_ms;
            std::thread::sleep(Duration::from_millis(delay));
            lock(&state.hosted).refresh(refresh_token, req.organization_id.as_deref())
        }
        other => {
            return reply(
                400,
                json!({ "error": "unsupported_grant_type", "error_description": format!("{other} is not supported.") }),
            )
        }
    };
    let session = match session {
        Ok(session) => session,
        Err(error) => return grant_error(error),
    };
    let Some(user) = lock(&state.users).get(&session.user_id).cloned() else {
        return grant_error(GrantError { status: 400, error: "invalid_grant", description: "User not found.".into() });
    };
    let role = session.organization_id.as_deref().map(|organization_id| {
        let memberships = lock(&state.accounts).memberships(Some(&user.id), Some(organization_id));
        memberships.first().and_then(|m| m.role["slug"].as_str().map(str::to_owned)).unwrap_or_else(|| "member".into())
    });
    let request = TokenRequest {
        sid: Some(session.id.clone()),
        org_id: session.organization_id.clone(),
        role,
        ttl_seconds: lock(&state.hosted).issuing.ttl_seconds,
        ..TokenRequest::default()
    };
    let claims = tokens::build_claims(&request, &user.id, &state.issuer(), ids::now_unix_secs());
    let key = lock(&state.keys).current();
    let access_token = tokens::sign(claims, &key, &key.kid);
    reply(
        200,
        json!({
            "user": user,
            "organization_id": session.organization_id,
            "access_token": access_token,
            "refresh_token": session.refresh_token(),
            "authentication_method": session.auth_method,
            "impersonator": null,
        }),
    )
}

/// Why a refresh into `organization_id` is refused before it spends anything, as WorkOS refuses
/// it: the user is no member, or the organisation demands SSO or MFA first.
fn refuse_organization(state: &State, refresh_token: &str, organization_id: &str) -> Option<Reply> {
    let user_id = lock(&state.hosted).session_of_refresh_token(refresh_token)?.user_id.clone();
    let accounts = lock(&state.accounts);
    if !accounts.is_member(&user_id, organization_id) {
        return Some(coded(403, "organization_membership_not_found", "The user is not a member of the organization."));
    }
    let requirement = accounts.requirement(organization_id)?;
    Some(reply(
        400,
        json!({
            "error": requirement.error(),
            "error_description": "The organization requires another sign-in.",
            "pending_authentication_token": ids::prefixed("pat"),
        }),
    ))
}

/// WorkOS's refusal `code` of a correct password, with what its SDK reads of it: the pending
/// token that a follow-up grant would complete, and the user, or the organisations to choose from.
fn password_grant_refused(state: &State, code: &str, user: &User) -> Reply {
    let organizations: Vec<Value> = lock(&state.accounts)
        .memberships(Some(&user.id), None)
        .iter()
        .map(|m| json!({ "id": m.organization_id, "name": m.organization_id }))
        .collect();
    let mut body = json!({
        "code": code,
        "message": "The user must complete another step of authentication.",
        "pending_authentication_token": ids::prefixed("pat"),
        "user": user,
    });
    match code {
        "organization_selection_required" => body["organizations"] = organizations.into(),
        "sso_required" => {
            body["email"] = user.email.clone().into();
            body["connection_ids"] = json!([]);
        }
        _ => {}
    }
    reply(403, body)
}

#[derive(Deserialize)]
struct RevokeRequest {
    session_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshFailureRequest {
    mode: RefreshFailure,
}

/// `GET /user_management/sessions/logout?session_id&return_to`: ends the session, goes back.
fn logout(state: &State, params: &HashMap<String, String>) -> Reply {
    if let Some(session_id) = params.get("session_id") {
        revoke_session(state, session_id);
    }
    match params.get("return_to").filter(|r| !r.is_empty()) {
        Some(return_to) => redirect(return_to.clone()),
        None => page(200, "<!doctype html><title>Signed out</title><p>Signed out.</p>".into()),
    }
}

/// Ends a session; `session.revoked` when it was live.
fn revoke_session(state: &State, session_id: &str) {
    let revoked = {
        let mut hosted = lock(&state.hosted);
        let live = hosted.session(session_id).is_some_and(|s| !s.revoked);
        hosted.revoke(session_id);
        live.then(|| hosted.session(session_id).map(|s| s.listed())).flatten()
    };
    if let Some(session) = revoked {
        state.webhooks.emit("session.revoked", session);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookEndpointRequest {
    /// `http://host:port/path`; null (with the secret) turns deliveries off.
    url: Option<String>,
    secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUserRequest {
    email: Option<String>,
    email_verified: Option<bool>,
    first_name: Option<String>,
    last_name: Option<String>,
}

/// `PUT /user_management/users/{id}`: the user, changed; `user.updated` when anything changed.
fn update_user(state: &State, user_id: &str, req: UpdateUserRequest) -> Reply {
    let mut users = lock(&state.users);
    let Some(before) = users.get(user_id).cloned() else {
        return coded(404, "entity_not_found", "User not found.");
    };
    if let Some(email) = &req.email {
        if !email.contains('@') {
            return coded(422, "email_invalid", "The email is not valid.");
        }
        if users.find_by_email(email).is_some_and(|other| other.id != user_id) {
            return coded(422, "email_not_available", "This email is not available.");
        }
    }
    users.upsert(user_id, req.email.as_deref().unwrap_or(&before.email));
    let user = users.set_profile(
        user_id,
        req.first_name.or(before.first_name.clone()),
        req.last_name.or(before.last_name.clone()),
        req.email_verified.unwrap_or(before.email_verified),
    );
    if user != before {
        state.webhooks.emit("user.updated", json!(user));
    }
    reply(200, json!(user))
}

/// `DELETE /user_management/users/{id}`: the user and their sessions end; `user.deleted`.
fn delete_user(state: &State, user_id: &str) -> Reply {
    let Some(user) = lock(&state.users).delete(user_id) else {
        return coded(404, "entity_not_found", "User not found.");
    };
    let sessions: Vec<String> = lock(&state.hosted).sessions_of(user_id).into_iter().map(|s| s.id).collect();
    for session_id in sessions {
        lock(&state.hosted).revoke(&session_id);
    }
    state.webhooks.emit("user.deleted", json!(user));
    reply(202, json!({}))
}

fn api_key_presented(state: &State, authorization: Option<&str>) -> bool {
    let presented = authorization.and_then(|h| {
        let (scheme, token) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    presented == Some(state.config.api_key.as_str())
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
        let stats = get(&state, "/__dev/stats").body;
        assert_eq!((stats["jwks_requests"].clone(), stats["user_requests"].clone()), (json!(1), json!(1)));

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
        assert_eq!(
            r.body,
            json!({"jwks_requests": 0, "user_requests": 0, "authenticate_requests": 0, "refresh_requests": 0})
        );
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

    fn location(reply: &Reply) -> String {
        reply.headers.iter().find(|(name, _)| *name == "Location").map(|(_, v)| v.clone()).unwrap_or_default()
    }

    const AUTHORIZE: &str = "/user_management/authorize?client_id=client_test&response_type=code\
        &redirect_uri=http%3A%2F%2Flocalhost%3A8787%2Fv1%2Fauth%2Fcallback&state=st4te&provider=authkit\
        &code_challenge=ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc&code_challenge_method=S256";

    fn authenticate_body(grant: &str, extra: &str) -> String {
        format!(r#"{{"grant_type":"{grant}","client_id":"client_test","client_secret":"sk_test"{extra}}}"#)
    }

    #[test]
    fn the_authorize_page_approves_with_a_code_the_pkce_verifier_exchanges_once() {
        let state = test_state();
        let page = get(&state, AUTHORIZE);
        assert_eq!(page.status, 200);
        assert!(page.html.as_deref().unwrap().contains("<form"), "a page a person can use");
        let approved = get(
            &state,
            &format!("{}&email=ada%40example.com", AUTHORIZE.replacen("authorize?", "authorize/approve?", 1)),
        );
        assert_eq!(approved.status, 302);
        let back = location(&approved);
        assert!(back.starts_with("http://localhost:8787/v1/auth/callback?code=code_"), "{back}");
        assert!(back.ends_with("&state=st4te"), "{back}");
        let code = query(&back)["code"].clone();
        // The verifier whose S256 is that challenge.
        let verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let wrong = post(
            &state,
            "/user_management/authenticate",
            &authenticate_body("authorization_code", &format!(r#","code":"{code}","code_verifier":"nope""#)),
        );
        assert_eq!((wrong.status, wrong.body["error"].clone()), (400, json!("invalid_grant")));
        // The failed attempt spent the code, as WorkOS's single-use codes are.
        let approved = get(
            &state,
            &format!("{}&email=ada%40example.com", AUTHORIZE.replacen("authorize?", "authorize/approve?", 1)),
        );
        let code = query(&location(&approved))["code"].clone();
        let body =
            authenticate_body("authorization_code", &format!(r#","code":"{code}","code_verifier":"{verifier}""#));
        let exchanged = post(&state, "/user_management/authenticate", &body);
        assert_eq!(exchanged.status, 200, "{:?}", exchanged.body);
        assert_eq!(exchanged.body["user"]["email"], "ada@example.com");
        assert!(exchanged.body["access_token"].as_str().unwrap().split('.').count() == 3);
        assert!(exchanged.body["refresh_token"].as_str().unwrap().starts_with("rt_"));
        assert_eq!(post(&state, "/user_management/authenticate", &body).body["error"], "invalid_grant", "used once");
    }

    #[test]
    fn authorize_refuses_what_workos_refuses() {
        let state = test_state();
        for bad in [
            AUTHORIZE.replace("client_id=client_test", "client_id=other"),
            AUTHORIZE.replace("&provider=authkit", ""),
            format!("{AUTHORIZE}&organization_id=org_1"),
            AUTHORIZE.replace("&code_challenge_method=S256", ""),
            format!("{}&screen_hint=sign-up", AUTHORIZE.replace("provider=authkit", "provider=GoogleOAuth")),
        ] {
            assert_eq!(get(&state, &bad).status, 400, "{bad}");
        }
        let denied = get(&state, &format!("{}&deny=1", AUTHORIZE.replacen("authorize?", "authorize/approve?", 1)));
        assert!(location(&denied).contains("error=access_denied"), "{}", location(&denied));
    }

    #[test]
    fn refresh_rotates_once_and_the_failure_switches_answer_like_workos() {
        let state = test_state();
        let approved = get(
            &state,
            &format!(
                "{}&email=bo%40example.com",
                AUTHORIZE
                    .replace(
                        "&code_challenge=ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc&code_challenge_method=S256",
                        ""
                    )
                    .replacen("authorize?", "authorize/approve?", 1)
            ),
        );
        let code = query(&location(&approved))["code"].clone();
        let first = post(
            &state,
            "/user_management/authenticate",
            &authenticate_body("authorization_code", &format!(r#","code":"{code}""#)),
        );
        let refresh = |token: &str| {
            post(
                &state,
                "/user_management/authenticate",
                &authenticate_body("refresh_token", &format!(r#","refresh_token":"{token}""#)),
            )
        };
        let old = first.body["refresh_token"].as_str().unwrap().to_owned();
        let second = refresh(&old);
        assert_eq!(second.status, 200);
        assert_eq!(refresh(&old).body["error"], "invalid_grant", "a spent refresh token");
        let live = second.body["refresh_token"].as_str().unwrap().to_owned();
        post(&state, "/__dev/refresh-failure", r#"{"mode":"rate_limited"}"#);
        let limited = refresh(&live);
        assert_eq!(limited.status, 429);
        assert!(limited.headers.iter().any(|(name, value)| *name == "Retry-After" && value == "2"));
        post(&state, "/__dev/refresh-failure", r#"{"mode":"unavailable"}"#);
        assert_eq!(refresh(&live).status, 503);
        post(&state, "/__dev/refresh-failure", r#"{"mode":"none"}"#);
        let issuing = post(&state, "/__dev/issuing", r#"{"ttl_seconds":30,"refresh_delay_ms":150}"#);
        assert_eq!(issuing.status, 200);
        let started = std::time::Instant::now();
        let slow = refresh(&live);
        assert_eq!(slow.status, 200, "failures spent nothing");
        assert!(started.elapsed() >= Duration::from_millis(150), "a slow refresh");
        let claims = tokens_claims(&slow.body["access_token"]);
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 30, "the issuing lifetime");
        assert_eq!(post(&state, "/__dev/issuing", r#"{"ttl":30}"#).status, 400);
        let sid = tokens_sid(&second.body["access_token"]);
        let revoked = handle(
            &state,
            &Request {
                method: "POST",
                url: "/user_management/sessions/revoke",
                authorization: AUTH,
                body: format!(r#"{{"session_id":"{sid}"}}"#).as_bytes(),
            },
        );
        assert_eq!(revoked.status, 200);
        assert_eq!(get(&state, &format!("/__dev/sessions/{sid}")).body["revoked"], true);
        let logout =
            get(&state, "/user_management/sessions/logout?session_id=x&return_to=http%3A%2F%2Flocalhost%3A3000%2F");
        assert_eq!(location(&logout), "http://localhost:3000/");
    }

    #[test]
    fn passwords_identities_sessions_memberships_and_organisation_switches_answer_like_workos() {
        let state = test_state();
        let create = |body: &str| call(&state, "POST", "/user_management/users", AUTH, body);
        assert_eq!(call(&state, "POST", "/user_management/users", None, "{}").status, 401);
        let created = create(r#"{"email":"pat@example.com","password":"long enough pw","first_name":"Pat"}"#);
        assert_eq!(created.status, 201, "{:?}", created.body);
        let user_id = created.body["id"].as_str().unwrap().to_owned();
        let taken = create(r#"{"email":"PAT@example.com","password":"long enough pw"}"#);
        assert_eq!((taken.status, taken.body["errors"][0]["code"].clone()), (422, json!("email_not_available")));
        let weak = create(r#"{"email":"weak@example.com","password":"short"}"#);
        assert_eq!(weak.body["errors"][0]["code"], "password_too_short");

        let password = |email: &str, pw: &str| {
            post(
                &state,
                "/user_management/authenticate",
                &authenticate_body("password", &format!(r#","email":"{email}","password":"{pw}","user_agent":"ua/1""#)),
            )
        };
        assert_eq!(password("pat@example.com", "wrong password").body["code"], "invalid_credentials");
        assert_eq!(password("nobody@example.com", "long enough pw").body["code"], "invalid_credentials");
        let signed_in = password("pat@example.com", "long enough pw");
        assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
        post(&state, "/__dev/email-verification", r#"{"required":true}"#);
        let unverified = password("pat@example.com", "long enough pw");
        assert_eq!((unverified.status, unverified.body["code"].clone()), (403, json!("email_verification_required")));
        post(&state, "/__dev/email-verification", r#"{"required":false}"#);

        let sessions =
            |query: &str| call(&state, "GET", &format!("/user_management/users/{user_id}/sessions{query}"), AUTH, "");
        password("pat@example.com", "long enough pw");
        let first = sessions("?limit=1");
        assert_eq!(first.body["data"][0]["user_agent"], "ua/1");
        assert_eq!(first.body["data"][0]["status"], "active");
        let after = first.body["list_metadata"]["after"].as_str().unwrap().to_owned();
        let second = sessions(&format!("?limit=1&after={after}"));
        assert_eq!(second.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(second.body["list_metadata"]["after"], Value::Null, "the last page");

        post(
            &state,
            "/__dev/users",
            &format!(
                r#"{{"id":"{user_id}","email":"pat@example.com","identities":[{{"idp_id":"g-7","provider":"GoogleOAuth"}}]}}"#
            ),
        );
        let identities = call(&state, "GET", &format!("/user_management/users/{user_id}/identities"), AUTH, "");
        assert_eq!(identities.body, json!([{ "idp_id": "g-7", "type": "OAuth", "provider": "GoogleOAuth" }]));

        let refresh_token = signed_in.body["refresh_token"].as_str().unwrap().to_owned();
        let switch = |org: &str| {
            post(
                &state,
                "/user_management/authenticate",
                &authenticate_body(
                    "refresh_token",
                    &format!(r#","refresh_token":"{refresh_token}","organization_id":"{org}""#),
                ),
            )
        };
        assert_eq!(switch("org_other").body["code"], "organization_membership_not_found");
        post(
            &state,
            "/__dev/memberships",
            &format!(r#"{{"user_id":"{user_id}","organization_id":"org_sso","role":"admin"}}"#),
        );
        post(&state, "/__dev/organizations/org_sso", r#"{"requires":"sso"}"#);
        assert_eq!(switch("org_sso").body["error"], "sso_required");
        let listed =
            call(&state, "GET", &format!("/user_management/organization_memberships?user_id={user_id}"), AUTH, "");
        assert_eq!(listed.body["data"][0]["organization_id"], "org_sso");
        post(&state, "/__dev/organizations/org_sso", r#"{"requires":null}"#);
        let switched = switch("org_sso");
        assert_eq!(switched.body["organization_id"], "org_sso", "nothing was spent by the refusals");
        assert_eq!(tokens_claims(&switched.body["access_token"])["role"], "admin");

        // A member of two organisations is asked to choose one: a password alone is not enough.
        post(&state, "/__dev/memberships", &format!(r#"{{"user_id":"{user_id}","organization_id":"org_two"}}"#));
        let choose = password("pat@example.com", "long enough pw");
        assert_eq!((choose.status, choose.body["code"].clone()), (403, json!("organization_selection_required")));
        assert_eq!(choose.body["organizations"].as_array().map(Vec::len), Some(2));
        assert!(choose.body["pending_authentication_token"].as_str().is_some_and(|t| t.starts_with("pat_")));
        assert_eq!(choose.body["user"]["id"], user_id.as_str());
    }

    #[test]
    fn it_plays_an_authkit_domain_for_mcp_clients() {
        let state = test_state();
        assert_eq!(post(&state, "/__dev/mcp-tokens", "{}").status, 400, "aud is required");
        let minted =
            post(&state, "/__dev/mcp-tokens", r#"{"email":"mcp@example.com","aud":"http://localhost:8787/mcp"}"#);
        assert_eq!(minted.status, 200);
        let claims = &minted.body["claims"];
        assert_eq!(claims["iss"], state.config.issuer_base.as_str());
        assert_eq!(
            (claims["aud"].clone(), claims["scope"].clone()),
            (json!("http://localhost:8787/mcp"), json!("read write keys"))
        );
        assert_eq!(claims["client_id"], "client_mcp_dev");
        assert_eq!(get(&state, "/oauth2/jwks").body, get(&state, "/sso/jwks/client_test").body);
        let metadata = get(&state, "/.well-known/oauth-authorization-server").body;
        assert_eq!(metadata["jwks_uri"], format!("{}/oauth2/jwks", state.config.issuer_base));
    }

    fn tokens_sid(token: &Value) -> String {
        tokens_claims(token)["sid"].as_str().unwrap().to_owned()
    }

    fn tokens_claims(token: &Value) -> Value {
        let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn users_are_updated_and_deleted_through_workos_s_user_api_with_its_events() {
        let state = test_state();
        let id = post(&state, "/__dev/users", r#"{"email":"ada@example.com"}"#).body["id"].as_str().unwrap().to_owned();
        let path = format!("/user_management/users/{id}");
        assert_eq!(call(&state, "PUT", &path, None, r#"{"email":"ada@new.example"}"#).status, 401);
        let updated = call(&state, "PUT", &path, AUTH, r#"{"email":"ada@new.example"}"#);
        assert_eq!((updated.status, updated.body["email"].clone()), (200, json!("ada@new.example")));
        post(&state, "/__dev/users", r#"{"email":"bob@example.com"}"#);
        assert_eq!(
            call(&state, "PUT", &path, AUTH, r#"{"email":"bob@example.com"}"#).body["code"],
            "email_not_available"
        );
        assert_eq!(call(&state, "DELETE", &path, None, "").status, 401);
        assert_eq!(call(&state, "DELETE", &path, AUTH, "").status, 202);
        assert_eq!(get_user(&state, &id, AUTH).status, 404);
        assert_eq!(call(&state, "DELETE", &path, AUTH, "").status, 404);
        // Deliveries go nowhere until an endpoint is set; one that is not http://host:port is refused.
        assert_eq!(get(&state, "/__dev/webhooks").body, json!({ "url": null, "deliveries": [] }));
        assert_eq!(post(&state, "/__dev/webhooks", r#"{"url":"ftp://x","secret":"s"}"#).status, 400);
        let set = post(&state, "/__dev/webhooks", r#"{"url":"http://127.0.0.1:9/hook","secret":"s"}"#);
        assert_eq!(set.body["url"], "http://127.0.0.1:9/hook");
    }

    #[test]
    fn the_events_api_lists_the_types_asked_for_oldest_first_after_a_cursor() {
        let state = test_state();
        let id = post(&state, "/__dev/users", r#"{"email":"ada@example.com"}"#).body["id"].as_str().unwrap().to_owned();
        let path = format!("/user_management/users/{id}");
        call(&state, "PUT", &path, AUTH, r#"{"email":"ada@new.example"}"#);
        call(&state, "DELETE", &path, AUTH, "");
        let list = |query: &str| call(&state, "GET", &format!("/events?{query}"), AUTH, "");
        assert_eq!(call(&state, "GET", "/events?events=user.deleted", None, "").status, 401);
        assert_eq!(list("limit=5").status, 422, "events is required");
        let all = list("events=user.updated&events=user.deleted").body;
        let kinds: Vec<&str> = all["data"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["user.updated", "user.deleted"]);
        assert_eq!(all["data"][1]["data"]["id"], json!(id));
        let first = all["data"][0]["id"].as_str().unwrap();
        let rest = list(&format!("events=user.updated&events=user.deleted&after={first}")).body;
        assert_eq!(rest["data"].as_array().unwrap().len(), 1);
        let one = list("events=user.updated&events=user.deleted&limit=1").body;
        assert_eq!(one["list_metadata"]["after"], json!(first));
        assert_eq!(list("events=session.revoked").body["data"], json!([]));
    }
}
