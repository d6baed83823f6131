//! The sign-in console's files: served at `/` when switched on, with a policy that keeps the
//! page to its own script and origin; a plain 404 when off.

use edge_auth::http::{ApiRequest, Method};

use crate::helpers::*;

#[test]
fn the_console_is_served_with_its_policy_when_on() {
    let app = spawn_app();
    let page = app.get("/", None);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(body_text(&page).contains(r#"<script src="/console.js" defer></script>"#));
    let script = app.get("/console.js", None);
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(body_text(&script).contains("/v1/auth/session"));
    let head = app.send(ApiRequest::new(Method::Head, "/"));
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(error_code(&app.send(ApiRequest::new(Method::Post, "/"))), "route_not_found");
}

#[test]
fn the_console_is_not_there_when_off() {
    let app = spawn_app_with(&[("SIGN_IN_CONSOLE", "off")]);
    for path in ["/", "/console.js"] {
        let response = app.get(path, None);
        assert_eq!((response.status, error_code(&response).as_str()), (404, "route_not_found"), "{path}");
    }
}
