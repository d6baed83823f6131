//! Hosted sign-in and the cookie session: `GET /v1/auth/login` sends the browser to AuthKit,
//! `GET /v1/auth/callback` brings it back with a session cookie, `GET /v1/auth/welcome` shows a
//! first sign-in's default key once, `POST /v1/auth/logout` ends the session here and at WorkOS.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::session_start::start_session;
use crate::app::App;
use crate::auth::session_cookie::{self, BROWSER_MAC_PURPOSE, FLOW_COOKIE};
use crate::auth::session_invalid;
use crate::auth::session_refresh::{self, FreshToken};
use crate::auth::session_sealing::open_sealed;
use crate::auth::PresentedSession;
use crate::config::Config;
use crate::http::request::url_encode;
use crate::http::{cookie, login_path, set_cookie, ApiError, ApiRequest, ApiResponse, ErrorCode, ReturnTo};
use crate::log::log_error;
use crate::platform::Platform;
use crate::store::login_flows::{self, LoginFlow};
use crate::store::sessions::{self};
use crate::workos::authenticate::{self, GrantRefused};

/// A sign-in flow lives ten minutes (WorkOS's codes do too).
const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// The WorkOS connection types of `provider`.
fn connection_type(provider: &str) -> Option<&'static str> {
    match provider {
        "authkit" => Some("authkit"),
        "google" => Some("GoogleOAuth"),
        "github" => Some("GitHubOAuth"),
        "microsoft" => Some("MicrosoftOAuth"),
        "apple" => Some("AppleOAuth"),
        _ => None,
    }
}

fn invalid_query(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

/// Hosted sign-in exchanges codes with the API key as client secret.
pub(super) fn require_api_key(config: &Config) -> Result<(), ApiError> {
    if config.workos_api_key.is_none() {
        log_error("hosted sign-in needs WORKOS_API_KEY");
        return Err(ApiError::new(ErrorCode::ConfigurationInvalid, "hosted sign-in needs WORKOS_API_KEY"));
    }
    Ok(())
}

/// Where WorkOS sends the browser back.
fn redirect_uri(config: &Config, request: &ApiRequest) -> String {
    config.workos_redirect_uri.clone().unwrap_or_else(|| format!("{}/v1/auth/callback", request.origin))
}

/// `GET /v1/auth/login`: a new flow (state, PKCE verifier, where to return) bound to this
/// browser, then 302 to AuthKit. One round trip.
pub async fn login<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    require_api_key(app.config)?;
    let param = |name: &str| -> Result<Option<String>, ApiError> {
        Ok(request.query_param(name)?.filter(|value| !value.is_empty()))
    };
    let return_to = match param("return_to")? {
        Some(text) => ReturnTo::parse(&text, &app.config.login_return_origins).map_err(|e| invalid_query(e.0))?,
        None => ReturnTo::parse("/", &[]).expect("a path"),
    };
    let provider = param("provider")?;
    let organization_id = param("organization_id")?;
    let screen_hint = param("screen_hint")?;
    if provider.is_some() && organization_id.is_some() {
        return Err(invalid_query("send provider or organization_id, not both"));
    }
    let connection = match &provider {
        Some(provider) => Some(
            connection_type(provider)
                .ok_or_else(|| invalid_query("provider is one of authkit, google, github, microsoft, apple"))?,
        ),
        None if organization_id.is_none() => Some("authkit"),
        None => None,
    };
    if let Some(hint) = &screen_hint {
        if !matches!(hint.as_str(), "sign-in" | "sign-up") || connection != Some("authkit") {
            return Err(invalid_query("screen_hint is sign-in or sign-up, and only with provider authkit"));
        }
    }

    let now = app.platform.now();
    let browser_secret = cookie(request.header("cookie"), FLOW_COOKIE)
        .filter(|secret| session_cookie::is_secret(secret))
        .map_or_else(session_cookie::new_secret, str::to_owned);
    let pepper = app.config.peppers.current();
    let flow = LoginFlow {
        state: session_cookie::new_secret(),
        browser_hash: session_cookie::hash(pepper, BROWSER_MAC_PURPOSE, &browser_secret),
        code_verifier: session_cookie::new_secret(),
        return_to: return_to.as_str().to_owned(),
        invitation_token: param("invitation_token")?,
        created_at: now,
        expires_at: now + FLOW_LIFETIME_MS,
    };
    login_flows::start(app.platform.db(), &flow).await?;

    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(flow.code_verifier.as_bytes()));
    let mut query = vec![
        ("client_id", app.config.workos_client_id.clone()),
        ("redirect_uri", redirect_uri(app.config, request)),
        ("response_type", "code".to_owned()),
        ("state", flow.state.clone()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".to_owned()),
    ];
    match (connection, organization_id) {
        (Some(connection), _) => query.push(("provider", connection.to_owned())),
        (None, Some(organization_id)) => query.push(("organization_id", organization_id)),
        (None, None) => {}
    }
    for name in ["screen_hint", "login_hint"] {
        if let Some(value) = param(name)? {
            query.push((name, value));
        }
    }
    if let Some(invitation) = &flow.invitation_token {
        query.push(("invitation_token", invitation.clone()));
    }
    let query: Vec<String> = query.iter().map(|(name, value)| format!("{name}={}", url_encode(value))).collect();
    let location = format!("{}/user_management/authorize?{}", app.config.workos_api_base, query.join("&"));
    let flow_cookie = set_cookie(FLOW_COOKIE, &browser_secret, "/", FLOW_LIFETIME_MS / 1000, "Lax", None);
    Ok(redirect(302, &location, vec![flow_cookie]))
}

fn redirect(status: u16, location: &str, cookies: Vec<String>) -> ApiResponse {
    let mut response = ApiResponse::empty(status);
    response.headers.push(("location".into(), location.to_owned()));
    response.headers.push(("cache-control".into(), "no-store".into()));
    response.headers.extend(cookies.into_iter().map(|cookie| ("set-cookie".into(), cookie)));
    response
}

/// Whether the client asked for JSON rather than a page (a script, not a browser navigation).
fn wants_json(request: &ApiRequest) -> bool {
    request.header("accept").is_some_and(|accept| accept.contains("application/json"))
}

/// An error of a browser navigation: a small page, or the JSON error when asked for. When the
/// failed sign-in's flow is known, its link starts a new one going to the same place and carrying
/// the same invitation, so a transient failure costs the person a click, not their invitation.
fn browser_error(request: &ApiRequest, error: ApiError, failed: Option<&LoginFlow>) -> ApiResponse {
    if wants_json(request) {
        return error.into_response();
    }
    let escape =
        |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Sign-in failed</title><h1>Sign-in failed</h1>\
         <p>{}</p><p><code>{}</code></p><p><a href=\"{}\">Sign in again</a></p>",
        escape(&error.message),
        error.code,
        escape(&sign_in_again(failed)),
    );
    let mut response = ApiResponse::empty(error.status);
    response.headers.push(("content-type".into(), "text/html; charset=utf-8".into()));
    response.headers.push(("cache-control".into(), "no-store".into()));
    response.body = page.into_bytes();
    response
}

/// `GET /v1/auth/login` with what the failed flow had been started with.
fn sign_in_again(failed: Option<&LoginFlow>) -> String {
    let mut params = Vec::new();
    if let Some(flow) = failed {
        if flow.return_to != "/" {
            params.push(("return_to", flow.return_to.as_str()));
        }
        if let Some(invitation) = &flow.invitation_token {
            params.push(("invitation_token", invitation.as_str()));
        }
    }
    login_path(&params)
}

/// `GET /v1/auth/callback?code&state` (or `?error&error_description&state`): takes the flow,
/// exchanges the code, provisions a first sign-in, creates the session, sets its cookie and
/// sends the browser to where it was going.
pub async fn callback<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> ApiResponse {
    if started_by_authkit(request) {
        return redirect(302, &login_path(&[]), Vec::new());
    }
    let flow = match take_flow(app, request).await {
        Ok(flow) => flow,
        Err(error) => return browser_error(request, error, None),
    };
    match complete_sign_in(app, request, &flow).await {
        Ok(response) => response,
        Err(error) => browser_error(request, error, Some(&flow)),
    }
}

/// A sign-in AuthKit started itself (an invitation WorkOS emailed, its own sign-in page) comes
/// back with a code and no `state`. Its code is never exchanged: nothing ties it to this browser,
/// and exchanging it would let any page sign a visitor in as someone else. The browser starts a
/// sign-in of its own instead, which AuthKit, where the person has just signed in, answers at
/// once. Only a browser without a flow of ours is sent round, so a `state` lost on the way back
/// from our own sign-in shows the error page rather than going round again.
fn started_by_authkit(request: &ApiRequest) -> bool {
    let given = |name: &str| matches!(request.query_param(name), Ok(Some(value)) if !value.is_empty());
    given("code") && !given("state") && !given("error") && cookie(request.header("cookie"), FLOW_COOKIE).is_none()
}

/// The flow of the callback's `state`, started by this browser; it is used up here.
async fn take_flow<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<LoginFlow, ApiError> {
    require_api_key(app.config)?;
    let state_invalid = || {
        ApiError::new(ErrorCode::SignInStateInvalid, "this sign-in is unknown, used, expired or from another browser")
    };
    let state = request.query_param("state")?.ok_or_else(state_invalid)?;
    let browser_secret = cookie(request.header("cookie"), FLOW_COOKIE).ok_or_else(state_invalid)?;
    let now = app.platform.now();
    let browser_hash = session_cookie::hash(app.config.peppers.current(), BROWSER_MAC_PURPOSE, browser_secret);
    login_flows::take(app.platform.db(), &state, &browser_hash, now).await?.ok_or_else(state_invalid)
}

async fn complete_sign_in<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    flow: &LoginFlow,
) -> Result<ApiResponse, ApiError> {
    if let Some(error) = request.query_param("error")? {
        let description = request.query_param("error_description")?.unwrap_or_default();
        let shown: String = description.chars().filter(|c| !c.is_control()).take(200).collect();
        return Err(ApiError::new(ErrorCode::SignInRefused, &format!("WorkOS refused the sign-in ({error}): {shown}")));
    }
    let code =
        request.query_param("code")?.ok_or_else(|| ApiError::new(ErrorCode::SignInRefused, "WorkOS sent no code"))?;

    let ip = request.header("cf-connecting-ip");
    let user_agent = request.header("user-agent");
    let authenticated = authenticate::exchange_code(
        app.platform,
        app.config,
        &code,
        &flow.code_verifier,
        flow.invitation_token.as_deref(),
        ip,
        user_agent,
    )
    .await
    .map_err(|refused| match refused {
        GrantRefused::Terminal(code) => {
            ApiError::new(ErrorCode::SignInRefused, &format!("WorkOS refused the code ({code}); sign in again"))
        }
        GrantRefused::Unavailable { .. } => workos_unavailable(),
    })?;
    let started = start_session(app, &authenticated).await?;
    Ok(redirect(302, &flow.return_to, vec![started.set_cookie]))
}

pub(super) fn workos_unavailable() -> ApiError {
    ApiError::new(ErrorCode::WorkosUnavailable, "WorkOS could not be reached; retry shortly")
}

/// The hashes of the request's session cookie; 401 without one.
pub(super) fn session_hashes<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<String, ApiError> {
    let secret = cookie(request.header("cookie"), &app.config.session_cookie.name)
        .ok_or_else(|| ApiError::not_authenticated("sign in first: this needs the session cookie"))?;
    Ok(PresentedSession::from_secret(app.config, secret)?.hashes)
}

/// `GET /v1/auth/welcome`: the default API key of the first sign-in that created this session,
/// once; 404 afterwards, or when the sign-in was not a first one. One round trip.
pub async fn welcome<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let hashes = session_hashes(app, request)?;
    let taken = sessions::take_welcome(app.platform.db(), &hashes, app.platform.now()).await?;
    let Some((id_hash, seal_kid, welcome)) = taken else { return Err(session_invalid()) };
    let welcome = welcome.ok_or_else(|| {
        ApiError::new(ErrorCode::WelcomeNotFound, "nothing to show: not a first sign-in, or already shown")
    })?;
    let key: serde_json::Value =
        serde_json::from_slice(open_sealed(app.config, &id_hash, &seal_kid, &welcome)?.as_bytes())
            .map_err(|_| ApiError::internal())?;
    Ok(ApiResponse::json(200, &json!({ "default_api_key": key })))
}

/// `POST /v1/auth/logout[?return_to=…]`: deletes the session, revokes it at WorkOS, clears the
/// cookie, and answers `{logout_url}` (WorkOS's logout, which ends its own session cookie and
/// comes back to `return_to`); an HTML form post gets a 303 there.
pub async fn logout<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let return_to = match request.query_param("return_to")?.filter(|r| !r.is_empty()) {
        Some(text) => ReturnTo::parse(&text, &app.config.login_return_origins).map_err(|e| invalid_query(e.0))?,
        None => ReturnTo::parse("/", &[]).expect("a path"),
    };
    let return_to = match return_to.as_str() {
        path if path.starts_with('/') => format!("{}{path}", request.origin),
        url => url.to_owned(),
    };
    let cleared = app.config.session_cookie.cleared();
    let ended = match session_hashes(app, request) {
        Ok(hashes) => sessions::delete(app.platform.db(), &hashes, app.platform.now()).await?,
        Err(_) => None,
    };
    let logout_url = match &ended {
        Some((workos_session_id, _)) => {
            authenticate::revoke_session(app.platform, app.config, workos_session_id).await;
            Some(authenticate::logout_url(app.config, workos_session_id, &return_to))
        }
        None => None,
    };
    let form_post = request.header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let mut response = match (&logout_url, form_post) {
        (Some(url), true) => redirect(303, url, Vec::new()),
        (None, true) => redirect(303, &return_to, Vec::new()),
        _ => ApiResponse::json(200, &json!({ "logout_url": logout_url })),
    };
    response.headers.push(("set-cookie".into(), cleared));
    Ok(response)
}

/// `GET /v1/auth/access-token`: the session's current WorkOS access token for the app's other
/// backends, refreshed first when it expires within 60 s (see [`session_refresh`]).
pub async fn access_token<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let hashes = session_hashes(app, request)?;
    match session_refresh::access_token(app, &hashes, session_refresh::REFRESH_WINDOW_MS).await? {
        FreshToken::Current { token, expires_at } => Ok(token_answer(&token, expires_at)),
        FreshToken::Unavailable { retry_after_seconds } => {
            let mut error = workos_unavailable();
            error.headers.retain(|(name, _)| *name != "retry-after");
            Err(error.with_header("retry-after", retry_after_seconds.to_string()))
        }
    }
}

fn token_answer(token: &str, expires_at_ms: i64) -> ApiResponse {
    ApiResponse::json(200, &json!({ "access_token": token, "expires_at": crate::domain::rfc3339(expires_at_ms) }))
}
