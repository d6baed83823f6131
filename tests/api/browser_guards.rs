//! What protects the cookie session in a browser: the origin check (CSRF) on every change made
//! with the cookie, CORS with credentials for origins listed by name only, and the limit on
//! sign-in attempts per address.

use edge_auth::http::{ApiRequest, Method};
use edge_auth::routes::ROUTES;
use serde_json::json;

use crate::helpers::*;
use crate::hosted_sign_in::hosted_sign_in;

const APP: &str = "https://app.example.com";

fn with_cookie(method: Method, path: &str, cookie: &str, origin: Option<&str>) -> ApiRequest {
    let request = ApiRequest::new(method, path).with_header("cookie", cookie);
    match origin {
        Some(origin) => request.with_header("origin", origin),
        None => request,
    }
}

#[test]
fn every_change_made_with_the_cookie_from_a_foreign_origin_is_refused_and_changes_nothing() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let before = (app.snapshot(), app.platform.db.rows("SELECT * FROM sessions"));
    let mut checked = 0;
    for (template, methods) in ROUTES {
        let path = template.replace("{org}", "acme").replace("{user_id}", "user_ada").replace("{key_id}", "key_1");
        for method in methods.iter().filter(|m| matches!(m, Method::Post | Method::Patch | Method::Delete)) {
            for origin in [Some("https://evil.example"), Some("null"), None] {
                let request = with_cookie(*method, &path, &cookie, origin).with_json(&json!({ "name": "x" }));
                let response = app.send(request);
                assert_eq!(
                    (response.status, error_code(&response).as_str()),
                    (403, "origin_refused"),
                    "{method:?} {path} from {origin:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked}");
    assert_eq!((app.snapshot(), app.platform.db.rows("SELECT * FROM sessions")), before, "nothing changed");
}

#[test]
fn the_cookie_works_from_this_origin_and_listed_ones_and_bearers_are_not_origin_checked() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    for (n, origin) in ["https://edge.test", APP].into_iter().enumerate() {
        let request = with_cookie(Method::Post, "/v1/orgs", &cookie, Some(origin))
            .with_json(&json!({ "name": format!("Team {n}"), "slug": format!("team-{n}") }));
        let created = app.send(request);
        assert_eq!(created.status, 201, "{origin}: {}", body_text(&created));
    }
    let referer_only = with_cookie(Method::Post, "/v1/orgs", &cookie, None)
        .with_header("referer", "https://app.example.com/settings")
        .with_json(&json!({ "name": "From a referer", "slug": "from-a-referer" }));
    assert_eq!(app.send(referer_only).status, 201);
    // Reading is not a change: CORS decides whether the foreign page may see the answer.
    assert_eq!(app.send(with_cookie(Method::Get, "/v1/me", &cookie, Some("https://evil.example"))).status, 200);
    // A bearer credential cannot be sent by a foreign page without the page holding it.
    let bob = app.sign_in("user_bob", "bob@example.com");
    let request = ApiRequest::new(Method::Post, "/v1/orgs")
        .with_header("authorization", &format!("Bearer {}", bob.token))
        .with_header("origin", "https://evil.example")
        .with_json(&json!({ "name": "Bob's", "slug": "bobs" }));
    assert_eq!(app.send(request).status, 201);
}

#[test]
fn a_foreign_page_cannot_sign_the_browser_out() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let refused = app.send(with_cookie(Method::Post, "/v1/auth/logout", &cookie, Some("https://evil.example")));
    assert_eq!((refused.status, error_code(&refused).as_str()), (403, "origin_refused"));
    assert_eq!(app.send(with_cookie(Method::Get, "/v1/auth/session", &cookie, None)).status, 200, "still signed in");
    assert!(app.platform.workos.revoked_sessions.borrow().is_empty());
}

#[test]
fn cors_allows_credentials_to_origins_listed_by_name_only() {
    let listed = spawn_app();
    let answer = listed.send(ApiRequest::new(Method::Get, "/v1/health").with_header("origin", APP));
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(answer.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(answer.header("vary"), Some("Origin"));
    let preflight = listed.send(
        ApiRequest::new(Method::Options, "/v1/orgs")
            .with_header("origin", APP)
            .with_header("access-control-request-method", "PUT"),
    );
    assert_eq!(preflight.header("access-control-allow-credentials"), Some("true"));
    assert!(preflight.header("access-control-allow-methods").unwrap().contains("PUT"));

    let any = spawn_app_with(&[("ALLOWED_ORIGINS", "*")]);
    let answer = any.send(ApiRequest::new(Method::Get, "/v1/health").with_header("origin", APP));
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP), "* lets any origin read");
    assert_eq!(answer.header("access-control-allow-credentials"), None, "never with credentials");
    let cookie = hosted_sign_in(&any, "user_ada", "ada@example.com");
    let change = with_cookie(Method::Post, "/v1/orgs", &cookie, Some(APP)).with_json(&json!({ "name": "x" }));
    assert_eq!(error_code(&any.send(change)), "origin_refused", "* never trusts the cookie");
}

#[test]
fn sign_in_attempts_are_limited_per_address_and_route_and_the_window_passes() {
    let app = spawn_app();
    app.platform.sign_in_limiter.limit.set(3);
    let login = |address: &str| {
        app.send(ApiRequest::new(Method::Get, "/v1/auth/login").with_header("cf-connecting-ip", address))
    };
    for _ in 0..3 {
        assert_eq!(login("203.0.113.7").status, 302);
    }
    let flows = app.platform.db.count("login_flows");
    let refused = login("203.0.113.7");
    assert_eq!((refused.status, error_code(&refused).as_str()), (429, "rate_limited"));
    assert_eq!(refused.header("retry-after"), Some("60"));
    crate::openapi::conforms(&crate::openapi::document(), Method::Get, "/v1/auth/login", &refused);
    assert_eq!(app.platform.db.count("login_flows"), flows, "a refused attempt starts nothing");
    assert_eq!(login("198.51.100.1").status, 302, "another address has its own count");
    let callback = app.send(
        ApiRequest::new(Method::Get, "/v1/auth/callback?code=c&state=s")
            .with_header("cf-connecting-ip", "203.0.113.7")
            .with_header("accept", "application/json"),
    );
    assert_eq!(error_code(&callback), "sign_in_state_invalid", "the callback has its own count");
    app.advance_seconds(60);
    assert_eq!(login("203.0.113.7").status, 302, "the next window");
}
