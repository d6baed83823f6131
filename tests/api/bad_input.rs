//! Whatever a client sends, the answer is a 4xx JSON error (never a 500) and nothing is written.

use edge_auth::http::{ApiRequest, Method};
use serde_json::json;

use crate::helpers::*;

/// Acme (owner ada, member cy); returns ada's token and an API key with every scope.
fn fixture() -> (TestApp, String, String) {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_cy", "cy@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.add_member(&ada.token, "acme", "user_cy", "member");
    let (key, _) = app.create_key(&ada.token, "acme", &["read", "write", "keys"]);
    app.get("/v1/me", Some(&key)); // its use is recorded now, not by the requests under test
    (app, ada.token, key)
}

const BODY_ROUTES: [(Method, &str); 5] = [
    (Method::Post, "/v1/orgs"),
    (Method::Patch, "/v1/orgs/acme"),
    (Method::Post, "/v1/orgs/acme/members"),
    (Method::Patch, "/v1/orgs/acme/members/user_cy"),
    (Method::Post, "/v1/orgs/acme/api-keys"),
];

fn raw(method: Method, path: &str, bearer: &str, content_type: Option<&str>, body: &[u8]) -> ApiRequest {
    let mut request = ApiRequest::new(method, path).with_header("authorization", &format!("Bearer {bearer}"));
    if let Some(content_type) = content_type {
        request = request.with_header("content-type", content_type);
    }
    request.body = body.to_vec();
    request
}

/// What is sent, with which content type, and the status and code it must get.
type BadBody<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

#[test]
fn malformed_bodies_are_refused_and_write_nothing() {
    let (app, token, _) = fixture();
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let oversized = json!({ "name": "x".repeat(17 * 1024), "slug": "big" }).to_string();
    let cases: Vec<BadBody> = vec![
        ("malformed JSON", Some("application/json"), b"{\"name\": ".to_vec(), 400, "invalid_body"),
        ("trailing garbage", Some("application/json"), b"{\"role\":\"admin\"} x".to_vec(), 400, "invalid_body"),
        ("empty body", Some("application/json"), Vec::new(), 400, "invalid_body"),
        ("null", Some("application/json"), b"null".to_vec(), 400, "invalid_body"),
        ("an array", Some("application/json"), b"[]".to_vec(), 400, "invalid_body"),
        ("a string", Some("application/json"), b"\"acme\"".to_vec(), 400, "invalid_body"),
        ("not UTF-8", Some("application/json"), vec![b'{', 0xff, 0xfe, b'}'], 400, "invalid_body"),
        ("deeply nested", Some("application/json"), nested.into_bytes(), 400, "invalid_body"),
        (
            "unknown field",
            Some("application/json"),
            br#"{"name":"A","slug":"abc","role":"admin","user_id":"user_cy","extra":1}"#.to_vec(),
            400,
            "invalid_body",
        ),
        (
            "wrong types",
            Some("application/json"),
            br#"{"name":5,"slug":true,"role":7,"user_id":[],"scopes":{}}"#.to_vec(),
            400,
            "invalid_body",
        ),
        ("oversized", Some("application/json"), oversized.into_bytes(), 413, "payload_too_large"),
        ("no content type", None, br#"{"name":"A","slug":"abc"}"#.to_vec(), 415, "unsupported_media_type"),
        ("text/plain", Some("text/plain"), br#"{"name":"A","slug":"abc"}"#.to_vec(), 415, "unsupported_media_type"),
        // A type that merely begins like JSON's.
        (
            "application/jsonp",
            Some("application/jsonp"),
            br#"{"name":"A","slug":"abc"}"#.to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "application/json-seq",
            Some("application/json-seq"),
            br#"{"name":"A","slug":"abc"}"#.to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "form encoded",
            Some("application/x-www-form-urlencoded"),
            b"name=A&slug=abc".to_vec(),
            415,
            "unsupported_media_type",
        ),
    ];
    let before = app.snapshot();
    for (method, path) in BODY_ROUTES {
        for (what, content_type, body, status, code) in &cases {
            let response = app.send(raw(method, path, &token, *content_type, body));
            assert_eq!(
                (response.status, error_code(&response).as_str()),
                (*status, *code),
                "{method:?} {path} with {what}: {}",
                body_text(&response)
            );
            assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
        }
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn well_formed_but_invalid_values_are_422_and_write_nothing() {
    let (app, token, _) = fixture();
    let before = app.snapshot();
    let long = "n".repeat(10_000);
    let cases = [
        (Method::Post, "/v1/orgs", json!({ "name": long, "slug": "fine" }), 422, "name_invalid"),
        (Method::Post, "/v1/orgs", json!({ "name": "Fine", "slug": long }), 422, "slug_invalid"),
        (Method::Post, "/v1/orgs", json!({ "name": "Fine" }), 400, "invalid_body"),
        (Method::Post, "/v1/orgs", json!({ "name": null, "slug": "fine" }), 400, "invalid_body"),
        (Method::Patch, "/v1/orgs/acme", json!({}), 400, "invalid_body"),
        (Method::Patch, "/v1/orgs/acme", json!({ "name": null }), 400, "invalid_body"),
        (Method::Patch, "/v1/orgs/acme", json!({ "name": "\u{0}" }), 422, "name_invalid"),
        (Method::Patch, "/v1/orgs/acme/members/user_cy", json!({ "role": "OWNER" }), 400, "invalid_body"),
        (Method::Patch, "/v1/orgs/acme/members/user_cy", json!({}), 400, "invalid_body"),
        (Method::Post, "/v1/orgs/acme/members", json!({ "user_id": 12, "role": "member" }), 400, "invalid_body"),
        (Method::Post, "/v1/orgs/acme/api-keys", json!({ "name": "k", "scopes": [null] }), 400, "invalid_body"),
        (Method::Post, "/v1/orgs/acme/api-keys", json!({ "name": "k", "scopes": [] }), 422, "scopes_invalid"),
    ];
    for (method, path, body, status, code) in cases {
        let response = app.call(method, path, Some(&token), Some(&body));
        assert_eq!((response.status, error_code(&response).as_str()), (status, code), "{method:?} {path} {body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn hostile_paths_queries_and_credentials_are_plain_4xx() {
    let (app, token, key) = fixture();
    let before = app.snapshot();
    let long = "a".repeat(5000);
    let paths = [
        "/v1/orgs/%2e%2e".to_owned(),
        "/v1/orgs/acme'%20OR%201=1--".to_owned(),
        "/v1/orgs/acme' OR '1'='1".to_owned(),
        format!("/v1/orgs/{long}"),
        format!("/v1/orgs/acme/members/{long}"),
        "/v1/orgs/acme/members/user_cy%00".to_owned(),
        "/v1/orgs/açme/members".to_owned(),
        "/v1/orgs/org_/events".to_owned(),
        "/v1/orgs/acme/api-keys/key_'; DROP TABLE api_keys; --".to_owned(),
        "/v1/orgs/acme/events?cursor=%ZZ".to_owned(),
        "/v1/orgs/acme/events?limit=99999999999999999999999999".to_owned(),
        format!("/v1/orgs/acme/events?cursor={long}"),
    ];
    for path in &paths {
        for (method, bearer) in
            [(Method::Get, &token), (Method::Delete, &token), (Method::Get, &key), (Method::Delete, &key)]
        {
            let response = app.call(method, path, Some(bearer), None);
            assert!(
                (400..500).contains(&response.status),
                "{method:?} {path}: {} {}",
                response.status,
                body_text(&response)
            );
            assert!(!error_code(&response).is_empty(), "{path}: a JSON error");
        }
    }
    let credentials = [
        format!("eak_{long}"),
        "eak_".to_owned(),
        "eak_0000000000000000000000000000_".to_owned(),
        "a.b.c".to_owned(),
        "x".repeat(9000),
        format!("{key}.jwt"),
    ];
    for credential in &credentials {
        let response = app.get("/v1/orgs/acme", Some(credential));
        assert_eq!(response.status, 401, "{}: {}", &credential[..credential.len().min(40)], body_text(&response));
    }
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.platform.db.count("api_keys"), 3, "still there");
}
