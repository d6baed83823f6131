//! `DELETE /v1/orgs/{org}`: memberships and API keys go with the workspace in one atomic batch;
//! the audit trail stays; personal workspaces stay.

use edge_auth::http::Method;
use serde_json::json;

use crate::helpers::*;

fn count(app: &TestApp, sql: &str) -> i64 {
    app.platform.db.scalar(sql).as_i64().unwrap()
}

#[test]
fn a_deleted_workspace_takes_its_memberships_and_keys_and_leaves_its_audit_trail() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_bob", "bob@example.com");
    let org = app.create_org(&ada.token, "Acme", "acme");
    let id = org["id"].as_str().unwrap();
    app.add_member(&ada.token, "acme", "user_bob", "admin");
    let (key, _) = app.create_key(&ada.token, "acme", &["read"]);
    let events_before = count(&app, &format!("SELECT count(*) FROM audit_events WHERE workspace_id = '{id}'"));

    let response = app.call(Method::Delete, "/v1/orgs/acme", Some(&ada.token), None);
    assert_eq!((response.status, response.body.len()), (204, 0));
    assert_eq!(count(&app, &format!("SELECT count(*) FROM workspaces WHERE id = '{id}'")), 0);
    assert_eq!(count(&app, &format!("SELECT count(*) FROM memberships WHERE workspace_id = '{id}'")), 0);
    assert_eq!(count(&app, &format!("SELECT count(*) FROM api_keys WHERE workspace_id = '{id}'")), 0);
    assert_eq!(
        count(&app, &format!("SELECT count(*) FROM audit_events WHERE workspace_id = '{id}'")),
        events_before + 1
    );
    let last =
        app.platform.db.rows("SELECT action, actor_id, target_id, detail FROM audit_events ORDER BY seq DESC LIMIT 1");
    assert_eq!(last[0], json!(["workspace.deleted", "user_ada", id, "{\"name\":\"Acme\",\"slug\":\"acme\"}"]));
    // Everything else is untouched: the personal workspaces and their members and keys.
    assert_eq!(app.platform.db.count("workspaces"), 2);
    assert_eq!(app.platform.db.count("memberships"), 2);
    assert_eq!(app.platform.db.count("api_keys"), 2);

    assert_eq!(app.get("/v1/orgs/acme", Some(&ada.token)).status, 404);
    assert_eq!(error_code(&app.get("/v1/me", Some(&key))), "api_key_invalid");
    assert_eq!(app.create_org(&ada.token, "Acme again", "acme")["slug"], "acme", "the slug is free again");
}

#[test]
fn a_personal_workspace_cannot_be_deleted() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let before = app.snapshot();
    let response = app.call(Method::Delete, &format!("/v1/orgs/{}", ada.personal_id), Some(&ada.token), None);
    assert_eq!((response.status, error_code(&response).as_str()), (409, "personal_workspace"));
    assert_eq!(app.snapshot(), before);
}

#[test]
fn only_owners_delete() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.add_member(&ada.token, "acme", "user_bob", "admin");
    let before = app.snapshot();
    let response = app.call(Method::Delete, "/v1/orgs/acme", Some(&bob.token), None);
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_role"));
    assert_eq!(app.snapshot(), before);
}

#[test]
fn a_failure_in_the_middle_of_a_delete_leaves_everything_in_place() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.create_key(&ada.token, "acme", &["read"]);
    let before = app.snapshot();
    app.platform.db.connection
        .execute_batch("CREATE TRIGGER fail_membership_delete BEFORE DELETE ON memberships BEGIN SELECT RAISE(ABORT, 'D1 DB is overloaded. Too many requests queued.'); END;")
        .unwrap();
    let response = app.call(Method::Delete, "/v1/orgs/acme", Some(&ada.token), None);
    assert_eq!((response.status, error_code(&response).as_str()), (503, "storage_unavailable"));
    assert_eq!(app.snapshot(), before, "keys deleted before the failure are back, no event was kept");
    app.platform.db.connection.execute_batch("DROP TRIGGER fail_membership_delete;").unwrap();
    assert_eq!(app.call(Method::Delete, "/v1/orgs/acme", Some(&ada.token), None).status, 204);
}
