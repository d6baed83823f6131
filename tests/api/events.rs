//! `GET /v1/orgs/{org}/events`: the audit trail, newest first.

use edge_auth::http::Method;
use serde_json::json;

use crate::helpers::*;

#[test]
fn every_change_is_an_event_newest_first() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_bob", "bob@example.com");
    let org = app.create_org(&ada.token, "Acme", "acme");
    let org_id = org["id"].as_str().unwrap();
    app.advance_seconds(1);
    let member = app.add_member(&ada.token, "acme", "user_bob", "member");
    app.advance_seconds(1);
    let (key, key_id) = app.create_key(&ada.token, "acme", &["read", "write", "keys"]);
    app.advance_seconds(1);
    app.call(Method::Patch, "/v1/orgs/acme/members/user_bob", Some(&key), Some(&json!({ "role": "admin" })));
    app.advance_seconds(1);
    app.call(Method::Patch, "/v1/orgs/acme", Some(&ada.token), Some(&json!({ "name": "Acme 2" })));
    app.advance_seconds(1);
    app.call(Method::Delete, "/v1/orgs/acme/members/user_bob", Some(&ada.token), None);
    app.advance_seconds(1);
    app.call(Method::Delete, &format!("/v1/orgs/acme/api-keys/{key_id}"), Some(&ada.token), None);

    let response = app.get("/v1/orgs/acme/events", Some(&ada.token));
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let body = response.json_body();
    let events = body["data"].as_array().unwrap();
    let summary: Vec<_> =
        events.iter().map(|e| json!([e["action"], e["actor"]["type"], e["target"]["type"], e["created_at"]])).collect();
    assert_eq!(
        summary,
        [
            json!(["api_key.revoked", "user", "api_key", "2026-11-22T00:00:06.000Z"]),
            json!(["membership.deleted", "user", "membership", "2026-11-22T00:00:05.000Z"]),
            json!(["workspace.updated", "user", "workspace", "2026-11-22T00:00:04.000Z"]),
            json!(["membership.updated", "api_key", "membership", "2026-11-22T00:00:03.000Z"]),
            json!(["api_key.created", "user", "api_key", "2026-11-22T00:00:02.000Z"]),
            json!(["membership.created", "user", "membership", "2026-11-22T00:00:01.000Z"]),
            json!(["membership.created", "user", "membership", "2026-11-22T00:00:00.000Z"]),
            json!(["workspace.created", "user", "workspace", "2026-11-22T00:00:00.000Z"]),
        ]
    );
    assert!(events[0]["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(events[3]["actor"], json!({ "type": "api_key", "id": key_id }));
    assert_eq!(events[3]["target"], json!({ "type": "membership", "id": member["id"] }));
    assert_eq!(events[3]["detail"], json!({ "user_id": "user_bob", "from": "member", "to": "admin" }));
    assert_eq!(events[4]["detail"]["scopes"], json!(["read", "write", "keys"]));
    assert_eq!(events[7]["target"], json!({ "type": "workspace", "id": org_id }));
    assert_eq!(events[7]["detail"], json!({ "name": "Acme", "slug": "acme" }));
    assert_eq!(body["has_more"], false);
}

#[test]
fn a_workspaces_events_are_its_own() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let personal = app.get(&format!("/v1/orgs/{}/events", ada.personal_slug), Some(&ada.token)).json_body();
    let actions: Vec<_> = personal["data"].as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [json!("api_key.created"), json!("membership.created"), json!("workspace.created")]);
}
