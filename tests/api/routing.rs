//! Routing, errors as JSON, CORS, health.

use edge_auth::http::{ApiRequest, Method};

use crate::helpers::*;

#[test]
fn health_reports_version_and_storage() {
    let app = spawn_app();
    let response = app.get("/v1/health", None);
    assert_eq!(response.status, 200);
    let body = response.json_body();
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["checks"]["d1"], true);
    assert_eq!(body["checks"]["kv"], true);
}

#[test]
fn unknown_routes_are_a_json_404() {
    let app = spawn_app();
    let response = app.get("/v2/nothing", None);
    assert_eq!((response.status, error_code(&response).as_str()), (404, "route_not_found"));
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
}

#[test]
fn wrong_methods_are_a_405_with_allow() {
    let app = spawn_app();
    let response = app.send(ApiRequest::new(Method::Delete, "/v1/health"));
    assert_eq!((response.status, error_code(&response).as_str()), (405, "method_not_allowed"));
    assert_eq!(response.header("allow"), Some("GET"));
    let response = app.send(ApiRequest::new(Method::Get, "/v1/auth/web/callback"));
    assert_eq!(response.header("allow"), Some("POST"));
}

#[test]
fn preflight_is_answered_for_allowed_origins_only() {
    let app = spawn_app();
    let preflight = |origin: &str| {
        app.send(
            ApiRequest::new(Method::Options, "/v1/auth/web/callback")
                .with_header("origin", origin)
                .with_header("access-control-request-method", "POST"),
        )
    };
    let allowed = preflight("https://app.example.com");
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert!(allowed.header("access-control-allow-headers").unwrap().contains("authorization"));
    let refused = preflight("https://evil.example.com");
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

#[test]
fn responses_carry_cors_headers_for_allowed_origins() {
    let app = spawn_app();
    let response =
        app.send(ApiRequest::new(Method::Get, "/v1/health").with_header("origin", "https://app.example.com"));
    assert_eq!(response.header("access-control-allow-origin"), Some("https://app.example.com"));
    let response =
        app.send(ApiRequest::new(Method::Get, "/v1/health").with_header("origin", "https://evil.example.com"));
    assert_eq!(response.header("access-control-allow-origin"), None);
}
