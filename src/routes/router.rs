use std::future::Future;
use std::pin::Pin;

use super::console;
use super::mcp::{self, discovery};
use super::sign_in_limit::limit_sign_in;
use super::{api_keys, events, health, hosted_sign_in, invitations, me, members, my_sessions, openapi, orgs};
use super::{password_sign_in, session, session_organization, web_callback, workos_webhook};
use crate::app::App;
use crate::auth::session_cookie_credential;
use crate::http::ErrorCode;
use crate::http::{is_unsafe, require_trusted_origin};
use crate::http::{ApiError, ApiRequest, ApiResponse, Cors, Method, REQUEST_ID_HEADER};
use crate::log::with_request_id;
use crate::platform::Platform;

/// A routed path, with its parameters (path segments as received; ids and slugs never need
/// percent-encoding, so an encoded segment simply names nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/v1/health`
    Health,
    /// `/v1/auth/session`
    Session,
    /// `/v1/auth/session/organization`
    SessionOrganization,
    /// `/v1/auth/sign-up`
    SignUp,
    /// `/v1/auth/sign-in`
    SignIn,
    /// `/v1/auth/web/callback`
    WebCallback,
    /// `/v1/auth/login`
    Login,
    /// `/v1/auth/callback`
    Callback,
    /// `/v1/auth/welcome`
    Welcome,
    /// `/v1/auth/access-token`
    AccessToken,
    /// `/v1/auth/logout`
    Logout,
    /// `/v1/openapi.json`
    OpenApi,
    /// `/v1/me`
    Me,
    /// `/v1/me/sessions`
    MySessions,
    /// `/v1/me/sessions/{session_id}`
    MySession { session_id: String },
    /// `/v1/orgs`
    Orgs,
    /// `/v1/orgs/{org}`
    Org { org: String },
    /// `/v1/orgs/{org}/members`
    Members { org: String },
    /// `/v1/orgs/{org}/members/{user_id}`
    Member { org: String, user_id: String },
    /// `/v1/orgs/{org}/api-keys`
    ApiKeys { org: String },
    /// `/v1/orgs/{org}/api-keys/{key_id}`
    ApiKey { org: String, key_id: String },
    /// `/v1/orgs/{org}/invitations`
    Invitations { org: String },
    /// `/v1/orgs/{org}/invitations/{invitation_id}`
    Invitation { org: String, invitation_id: String },
    /// `/v1/orgs/{org}/events`
    Events { org: String },
    /// `/v1/webhooks/workos`
    WorkosWebhook,
}

/// Every path template with its methods: the router's table, `Allow` headers and the OpenAPI
/// document's consistency test all read it.
pub const ROUTES: &[(&str, &[Method])] = &[
    ("/v1/health", &[Method::Get]),
    ("/v1/auth/session", &[Method::Get]),
    ("/v1/auth/session/organization", &[Method::Post]),
    ("/v1/auth/sign-up", &[Method::Post]),
    ("/v1/auth/sign-in", &[Method::Post]),
    ("/v1/auth/web/callback", &[Method::Post]),
    ("/v1/auth/login", &[Method::Get]),
    ("/v1/auth/callback", &[Method::Get]),
    ("/v1/auth/welcome", &[Method::Get]),
    ("/v1/auth/access-token", &[Method::Get]),
    ("/v1/auth/logout", &[Method::Post]),
    ("/v1/openapi.json", &[Method::Get]),
    ("/v1/me", &[Method::Get]),
    ("/v1/me/sessions", &[Method::Get, Method::Delete]),
    ("/v1/me/sessions/{session_id}", &[Method::Delete]),
    ("/v1/orgs", &[Method::Get, Method::Post]),
    ("/v1/orgs/{org}", &[Method::Get, Method::Patch, Method::Delete]),
    ("/v1/orgs/{org}/members", &[Method::Get, Method::Post]),
    ("/v1/orgs/{org}/members/{user_id}", &[Method::Get, Method::Patch, Method::Delete]),
    ("/v1/orgs/{org}/api-keys", &[Method::Get, Method::Post]),
    ("/v1/orgs/{org}/api-keys/{key_id}", &[Method::Delete]),
    ("/v1/orgs/{org}/invitations", &[Method::Get, Method::Post]),
    ("/v1/orgs/{org}/invitations/{invitation_id}", &[Method::Get, Method::Delete]),
    ("/v1/orgs/{org}/events", &[Method::Get]),
    ("/v1/webhooks/workos", &[Method::Post]),
];

impl Route {
    /// The route of a path, if any.
    pub fn parse(path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return None;
        }
        let owned = |segment: &str| segment.to_owned();
        match segments.as_slice() {
            ["v1", "health"] => Some(Route::Health),
            ["v1", "auth", "session"] => Some(Route::Session),
            ["v1", "auth", "session", "organization"] => Some(Route::SessionOrganization),
            ["v1", "auth", "sign-up"] => Some(Route::SignUp),
            ["v1", "auth", "sign-in"] => Some(Route::SignIn),
            ["v1", "auth", "web", "callback"] => Some(Route::WebCallback),
            ["v1", "auth", "login"] => Some(Route::Login),
            ["v1", "auth", "callback"] => Some(Route::Callback),
            ["v1", "auth", "welcome"] => Some(Route::Welcome),
            ["v1", "auth", "access-token"] => Some(Route::AccessToken),
            ["v1", "auth", "logout"] => Some(Route::Logout),
            ["v1", "openapi.json"] => Some(Route::OpenApi),
            ["v1", "me"] => Some(Route::Me),
            ["v1", "me", "sessions"] => Some(Route::MySessions),
            ["v1", "me", "sessions", session_id] => Some(Route::MySession { session_id: owned(session_id) }),
            ["v1", "orgs"] => Some(Route::Orgs),
            ["v1", "orgs", org] => Some(Route::Org { org: owned(org) }),
            ["v1", "orgs", org, "members"] => Some(Route::Members { org: owned(org) }),
            ["v1", "orgs", org, "members", user_id] => Some(Route::Member { org: owned(org), user_id: owned(user_id) }),
            ["v1", "orgs", org, "api-keys"] => Some(Route::ApiKeys { org: owned(org) }),
            ["v1", "orgs", org, "api-keys", key_id] => Some(Route::ApiKey { org: owned(org), key_id: owned(key_id) }),
            ["v1", "orgs", org, "invitations"] => Some(Route::Invitations { org: owned(org) }),
            ["v1", "orgs", org, "invitations", invitation_id] => {
                Some(Route::Invitation { org: owned(org), invitation_id: owned(invitation_id) })
            }
            ["v1", "orgs", org, "events"] => Some(Route::Events { org: owned(org) }),
            ["v1", "webhooks", "workos"] => Some(Route::WorkosWebhook),
            _ => None,
        }
    }

    /// The path template in [`ROUTES`].
    pub fn template(&self) -> &'static str {
        match self {
            Route::Health => "/v1/health",
            Route::Session => "/v1/auth/session",
            Route::SessionOrganization => "/v1/auth/session/organization",
            Route::SignUp => "/v1/auth/sign-up",
            Route::SignIn => "/v1/auth/sign-in",
            Route::WebCallback => "/v1/auth/web/callback",
            Route::Login => "/v1/auth/login",
            Route::Callback => "/v1/auth/callback",
            Route::Welcome => "/v1/auth/welcome",
            Route::AccessToken => "/v1/auth/access-token",
            Route::Logout => "/v1/auth/logout",
            Route::OpenApi => "/v1/openapi.json",
            Route::Me => "/v1/me",
            Route::MySessions => "/v1/me/sessions",
            Route::MySession { .. } => "/v1/me/sessions/{session_id}",
            Route::Orgs => "/v1/orgs",
            Route::Org { .. } => "/v1/orgs/{org}",
            Route::Members { .. } => "/v1/orgs/{org}/members",
            Route::Member { .. } => "/v1/orgs/{org}/members/{user_id}",
            Route::ApiKeys { .. } => "/v1/orgs/{org}/api-keys",
            Route::ApiKey { .. } => "/v1/orgs/{org}/api-keys/{key_id}",
            Route::Invitations { .. } => "/v1/orgs/{org}/invitations",
            Route::Invitation { .. } => "/v1/orgs/{org}/invitations/{invitation_id}",
            Route::Events { .. } => "/v1/orgs/{org}/events",
            Route::WorkosWebhook => "/v1/webhooks/workos",
        }
    }

    /// Whether the route starts a sign-in's work without any credential (rate-limited).
    pub fn starts_sign_in(&self) -> bool {
        matches!(self, Route::Login | Route::Callback | Route::SignUp | Route::SignIn)
    }

    /// Whether the route makes a session cookie from what a page sends it: origin-checked like
    /// any change made with the cookie.
    pub fn creates_session(&self) -> bool {
        matches!(self, Route::SignUp | Route::SignIn)
    }

    /// The methods this route answers.
    pub fn methods(&self) -> &'static [Method] {
        let template = self.template();
        ROUTES.iter().find(|(t, _)| *t == template).map_or(&[], |(_, methods)| methods)
    }
}

/// Answers one request: CORS, routing, 404/405, errors as JSON, and the request id on every
/// answer and every error it logs.
pub async fn handle<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> ApiResponse {
    let mut response = with_request_id(request.request_id.clone(), answer(app, request)).await;
    response.headers.push((REQUEST_ID_HEADER.into(), request.request_id.to_string()));
    response
}

async fn answer<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> ApiResponse {
    let cors = Cors::new(app.config.allowed_origins.clone());
    if let Some(preflight) = cors.preflight(request) {
        return preflight;
    }
    // Boxed for the reason `dispatch` gives: only a benchmark's own requests compile its code.
    #[cfg(feature = "bench-routes")]
    if let Some(mode) = request.path.strip_prefix(crate::bench::ROUTE_PREFIX) {
        if mode == "route" {
            return Box::pin(route_work(app, request, &cors)).await;
        }
        return Box::pin(crate::bench::handle(app, request, mode)).await;
    }
    let mut response = match app.config.mcp.as_ref() {
        Some(mcp) => match request.path.as_str() {
            "/mcp" => {
                let cors = &cors;
                let run = |inner: ApiRequest| async move {
                    dispatch(app, &inner, cors).await.unwrap_or_else(ApiError::into_response)
                };
                Box::pin(mcp::endpoint(app, request, run)).await
            }
            "/.well-known/oauth-protected-resource"
            | "/.well-known/oauth-protected-resource/mcp"
            | "/.well-known/oauth-authorization-server"
                if !matches!(request.method, Method::Get | Method::Head) =>
            {
                ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed on this route")
                    .with_header("allow", "GET")
                    .into_response()
            }
            "/.well-known/oauth-protected-resource" | "/.well-known/oauth-protected-resource/mcp" => {
                discovery::protected_resource(mcp, &request.origin)
            }
            "/.well-known/oauth-authorization-server" => {
                Box::pin(discovery::authorization_server(app, mcp)).await.unwrap_or_else(ApiError::into_response)
            }
            _ => dispatch(app, request, &cors).await.unwrap_or_else(|error| refusal(app, request, error)),
        },
        None => dispatch(app, request, &cors).await.unwrap_or_else(|error| refusal(app, request, error)),
    };
    // With MCP on, every refusal of a bearer points at where to get a token.
    if let Some(mcp) = app.config.mcp.as_ref() {
        let scope_refused = response.status == 403
            && response.header("www-authenticate").is_some_and(|c| c.contains("insufficient_scope"));
        if response.status == 401 || scope_refused {
            discovery::point_challenge_at_metadata(
                &mut response,
                &discovery::metadata_url(&mcp.resource(&request.origin)),
            );
        }
    }
    if request.method == Method::Head {
        response.body.clear();
    }
    cors.decorate(request, &mut response);
    response
}

/// A refusal as the client gets it. A session that has ended stays ended, so a browser whose
/// session cookie named one is told to drop it: it stops presenting a dead cookie on every
/// request, and the app sees a signed-out browser rather than a 401 each time.
fn refusal<P: Platform>(app: &App<'_, P>, request: &ApiRequest, error: ApiError) -> ApiResponse {
    let session_ended =
        error.code == ErrorCode::SessionExpired && session_cookie_credential(app.config, request).is_some();
    let mut response = error.into_response();
    if session_ended {
        response.headers.push(("set-cookie".into(), app.config.session_cookie.cleared()));
    }
    response
}

/// Benchmark builds: `POST /v1/__bench/route?method=M&path=P&n=N` sends the route `P` through
/// [`dispatch`] once against D1 and then `n` times with D1's answers replayed from memory
/// ([`crate::bench::Recorded`]): the core's own work on a route, D1 left out.
#[cfg(feature = "bench-routes")]
async fn route_work<P: Platform>(app: &App<'_, P>, request: &ApiRequest, cors: &Cors) -> ApiResponse {
    let (inner, n) = match crate::bench::route_request(request) {
        Ok(parts) => parts,
        Err(error) => return error.into_response(),
    };
    let recorded = crate::bench::Recorded::new(app.platform);
    let canned = App::new(&recorded, app.config, app.isolate);
    let first = dispatch(&canned, &inner, cors).await.unwrap_or_else(ApiError::into_response);
    recorded.replay();
    for _ in 0..n {
        std::hint::black_box(dispatch(&canned, &inner, cors).await.unwrap_or_else(ApiError::into_response));
    }
    ApiResponse::json(200, &serde_json::json!({ "status": first.status, "n": n }))
}

async fn dispatch<P: Platform>(app: &App<'_, P>, request: &ApiRequest, cors: &Cors) -> Result<ApiResponse, ApiError> {
    if app.config.sign_in_console && matches!(request.method, Method::Get | Method::Head) {
        if let Some(asset) = console::asset(&request.path) {
            return Ok(asset);
        }
    }
    let Some(route) = Route::parse(&request.path) else {
        return Err(ApiError::new(ErrorCode::RouteNotFound, "no such route"));
    };
    // HEAD is GET without a body.
    let method = if request.method == Method::Head { Method::Get } else { request.method };
    if !route.methods().contains(&method) {
        let allow: Vec<&str> = route.methods().iter().map(|m| m.as_str()).collect();
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed on this route")
            .with_header("allow", allow.join(", ")));
    }
    if is_unsafe(method) && (route.creates_session() || session_cookie_credential(app.config, request).is_some()) {
        require_trusted_origin(request, cors)?;
    }
    if route.starts_sign_in() {
        limit_sign_in(app, request, &route).await?;
    }
    // Each route's work is a future of its own behind a pointer, rather than one arm of a single
    // state machine: inlined together, the handlers made `dispatch` one ~110 KB wasm function,
    // which a fresh isolate compiled whole on its first request, whatever the route
    // (docs/performance.md). Boxed, each handler is compiled when first called.
    let work: RouteWork<'_> = match (route, method) {
        (Route::Health, _) => Box::pin(async move { Ok(health::health(app).await) }),
        (Route::Session, _) => Box::pin(session::session(app, request)),
        (Route::SessionOrganization, _) => Box::pin(session_organization::switch(app, request)),
        (Route::SignUp, _) => Box::pin(password_sign_in::sign_up(app, request)),
        (Route::SignIn, _) => Box::pin(password_sign_in::sign_in(app, request)),
        (Route::WebCallback, _) => Box::pin(web_callback::web_callback(app, request)),
        (Route::Login, _) => Box::pin(hosted_sign_in::login(app, request)),
        (Route::Callback, _) => Box::pin(async move { Ok(hosted_sign_in::callback(app, request).await) }),
        (Route::Welcome, _) => Box::pin(hosted_sign_in::welcome(app, request)),
        (Route::AccessToken, _) => Box::pin(hosted_sign_in::access_token(app, request)),
        (Route::Logout, _) => Box::pin(hosted_sign_in::logout(app, request)),
        (Route::OpenApi, _) => return Ok(openapi::openapi()),
        (Route::Me, _) => Box::pin(me::me(app, request)),
        (Route::MySessions, Method::Delete) => Box::pin(my_sessions::revoke_others(app, request)),
        (Route::MySessions, _) => Box::pin(my_sessions::list(app, request)),
        (Route::MySession { session_id }, _) => {
            Box::pin(async move { my_sessions::revoke_one(app, request, &session_id).await })
        }
        (Route::Orgs, Method::Post) => Box::pin(orgs::create(app, request)),
        (Route::Orgs, _) => Box::pin(orgs::list(app, request)),
        (Route::Org { org }, Method::Patch) => Box::pin(async move { orgs::update(app, request, &org).await }),
        (Route::Org { org }, Method::Delete) => Box::pin(async move { orgs::delete(app, request, &org).await }),
        (Route::Org { org }, _) => Box::pin(async move { orgs::get(app, request, &org).await }),
        (Route::Members { org }, Method::Post) => Box::pin(async move { members::add(app, request, &org).await }),
        (Route::Members { org }, _) => Box::pin(async move { members::list(app, request, &org).await }),
        (Route::Member { org, user_id }, Method::Patch) => {
            Box::pin(async move { members::update(app, request, &org, &user_id).await })
        }
        (Route::Member { org, user_id }, Method::Delete) => {
            Box::pin(async move { members::remove(app, request, &org, &user_id).await })
        }
        (Route::Member { org, user_id }, _) => {
            Box::pin(async move { members::get(app, request, &org, &user_id).await })
        }
        (Route::ApiKeys { org }, Method::Post) => Box::pin(async move { api_keys::create(app, request, &org).await }),
        (Route::ApiKeys { org }, _) => Box::pin(async move { api_keys::list(app, request, &org).await }),
        (Route::ApiKey { org, key_id }, _) => {
            Box::pin(async move { api_keys::revoke(app, request, &org, &key_id).await })
        }
        (Route::Invitations { org }, Method::Post) => {
            Box::pin(async move { invitations::create(app, request, &org).await })
        }
        (Route::Invitations { org }, _) => Box::pin(async move { invitations::list(app, request, &org).await }),
        (Route::Invitation { org, invitation_id }, Method::Delete) => {
            Box::pin(async move { invitations::revoke(app, request, &org, &invitation_id).await })
        }
        (Route::Invitation { org, invitation_id }, _) => {
            Box::pin(async move { invitations::get(app, request, &org, &invitation_id).await })
        }
        (Route::Events { org }, _) => Box::pin(async move { events::list(app, request, &org).await }),
        (Route::WorkosWebhook, _) => Box::pin(workos_webhook::receive(app, request)),
    };
    work.await
}

/// One route's handling, as a boxed future (see [`dispatch`]).
type RouteWork<'a> = Pin<Box<dyn Future<Output = Result<ApiResponse, ApiError>> + 'a>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_parses_to_its_own_template() {
        for (template, _) in ROUTES {
            let concrete = template
                .replace("{org}", "acme")
                .replace("{user_id}", "user_1")
                .replace("{key_id}", "key_1")
                .replace("{session_id}", "session_1");
            let route = Route::parse(&concrete).unwrap_or_else(|| panic!("{template} not routed"));
            assert_eq!(route.template(), *template);
        }
    }

    #[test]
    fn empty_parameters_are_not_routed() {
        assert_eq!(Route::parse("/v1/orgs//members"), None);
        assert_eq!(Route::parse("/v1/orgs/acme/members/"), Some(Route::Members { org: "acme".into() }));
        assert_eq!(Route::parse("/v1/orgs/acme/api-keys/k/extra"), None);
    }
}
