use super::{health, session, web_callback, App};
use crate::http::{ApiError, ApiRequest, ApiResponse, Cors, Method};
use crate::platform::Platform;

/// A routed path, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/v1/health`
    Health,
    /// `/v1/auth/session`
    Session,
    /// `/v1/auth/web/callback`
    WebCallback,
}

/// Every path template with its methods: the router's table, `Allow` headers and the OpenAPI
/// document's consistency test all read it.
pub const ROUTES: &[(&str, &[Method])] = &[
    ("/v1/health", &[Method::Get]),
    ("/v1/auth/session", &[Method::Get]),
    ("/v1/auth/web/callback", &[Method::Post]),
];

impl Route {
    /// The route of a path, if any.
    pub fn parse(path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match segments.as_slice() {
            ["v1", "health"] => Some(Route::Health),
            ["v1", "auth", "session"] => Some(Route::Session),
            ["v1", "auth", "web", "callback"] => Some(Route::WebCallback),
            _ => None,
        }
    }

    /// The path template in [`ROUTES`].
    pub fn template(&self) -> &'static str {
        match self {
            Route::Health => "/v1/health",
            Route::Session => "/v1/auth/session",
            Route::WebCallback => "/v1/auth/web/callback",
        }
    }

    /// The methods this route answers.
    pub fn methods(&self) -> &'static [Method] {
        let template = self.template();
        ROUTES.iter().find(|(t, _)| *t == template).map_or(&[], |(_, methods)| methods)
    }
}

/// Answers one request: CORS, routing, 404/405, and errors as JSON.
pub async fn handle<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> ApiResponse {
    let cors = Cors::new(app.config.allowed_origins.clone());
    if let Some(preflight) = cors.preflight(request) {
        return preflight;
    }
    let mut response = match dispatch(app, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    if request.method == Method::Head {
        response.body.clear();
    }
    cors.decorate(request, &mut response);
    response
}

async fn dispatch<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let Some(route) = Route::parse(&request.path) else {
        return Err(ApiError::not_found("route_not_found", "no such route"));
    };
    // HEAD is GET without a body.
    let method = if request.method == Method::Head { Method::Get } else { request.method };
    if !route.methods().contains(&method) {
        let allow: Vec<&str> = route.methods().iter().map(|m| m.as_str()).collect();
        return Err(ApiError::new(405, "method_not_allowed", "method not allowed on this route")
            .with_header("allow", allow.join(", ")));
    }
    match route {
        Route::Health => Ok(health::health(app).await),
        Route::Session => session::session(app, request).await,
        Route::WebCallback => web_callback::web_callback(app, request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_parses_to_its_own_template() {
        for (template, _) in ROUTES {
            let concrete = template.replace("{org}", "acme").replace("{user_id}", "user_1").replace("{key_id}", "key_1");
            let route = Route::parse(&concrete).unwrap_or_else(|| panic!("{template} not routed"));
            assert_eq!(route.template(), *template);
        }
    }
}
