//! Which storage failures a client may retry (503 with `Retry-After`) and which are ours (500),
//! and the request id that ties each answer to its log line.

use edge_auth::http::{request_id, ApiRequest, Method};
use edge_auth::log::capture_logs;
use serde_json::json;

use crate::helpers::*;

#[test]
fn d1_unreachable_or_overloaded_is_a_retryable_503_that_changes_nothing() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    for outage in [
        "D1_ERROR: Network connection lost.",
        "D1 DB is overloaded. Too many requests queued.",
        "D1 DB storage operation exceeded timeout which caused object to be reset.",
    ] {
        let before = app.snapshot();
        app.platform.db.fail_next.replace(Some(outage.to_owned()));
        let response =
            app.call(Method::Post, "/v1/orgs", Some(&ada.token), Some(&json!({ "name": "Acme", "slug": "acme" })));
        assert_eq!((response.status, error_code(&response).as_str()), (503, "storage_unavailable"), "{outage}");
        assert!(response.header("retry-after").is_some(), "{outage}");
        assert_eq!(app.snapshot(), before);
    }
}

#[test]
fn our_own_sql_or_constraint_errors_are_a_500_without_retry_after() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    for ours in
        ["D1_ERROR: no such column: emial: SQLITE_ERROR", "D1_ERROR: CHECK constraint failed: role: SQLITE_CONSTRAINT"]
    {
        app.platform.db.fail_next.replace(Some(ours.to_owned()));
        let response = app.get("/v1/me", Some(&ada.token));
        assert_eq!((response.status, error_code(&response).as_str()), (500, "internal_error"), "{ours}");
        assert_eq!(response.header("retry-after"), None, "{ours}");
    }
}

#[test]
fn a_row_we_cannot_decode_is_a_500_and_its_cause_is_logged_with_the_request_id() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.platform.db.connection.execute_batch("UPDATE api_keys SET scopes = 'not json'").unwrap();
    let mut request = ApiRequest::new(Method::Get, &format!("/v1/orgs/{}/api-keys", ada.personal_id))
        .with_header("authorization", &format!("Bearer {}", ada.token));
    // What the shell does with Cloudflare's `cf-ray` header.
    request.request_id = request_id(Some("8c3f1a2b3c4d5e6f-LHR"));
    let (response, logs) = capture_logs(|| app.send(request));
    assert_eq!((response.status, error_code(&response).as_str()), (500, "internal_error"));
    assert_eq!(response.header("x-request-id"), Some("8c3f1a2b3c4d5e6f-LHR"));
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].starts_with("request 8c3f1a2b3c4d5e6f-LHR: database (internal): bad scopes"), "{logs:?}");
}

#[test]
fn every_answer_carries_a_request_id_and_every_logged_error_names_it() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let preflight = ApiRequest::new(Method::Options, "/v1/orgs")
        .with_header("origin", "https://app.example.com")
        .with_header("access-control-request-method", "POST");
    let requests = [
        ApiRequest::new(Method::Get, "/v1/health"),
        ApiRequest::new(Method::Get, "/v1/nope"),
        ApiRequest::new(Method::Delete, "/v1/health"),
        ApiRequest::new(Method::Get, "/v1/me"),
        api_request(Method::Get, "/v1/me", Some(&ada.token), None),
        api_request(Method::Post, "/v1/orgs", Some(&ada.token), Some(&json!({ "slug": 1 }))),
        preflight,
    ];
    let mut ids = Vec::new();
    for request in requests {
        let path = request.path.clone();
        let response = app.send(request);
        let id = response.header("x-request-id").unwrap_or_else(|| panic!("{path}: no x-request-id")).to_owned();
        assert!(id.starts_with("req_"), "{path}: {id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7, "each request has its own id");

    // An outage is logged, and the log line names the id the client was given.
    app.platform.db.fail_next.replace(Some("D1_ERROR: Network connection lost.".to_owned()));
    let (response, logs) = capture_logs(|| app.get("/v1/me", Some(&ada.token)));
    let id = response.header("x-request-id").unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].starts_with(&format!("request {id}: database (unavailable)")), "{logs:?}");
}
