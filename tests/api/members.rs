//! `/v1/orgs/{org}/members`: adding users who signed in before, roles, the last-owner and
//! personal-workspace rules, leaving.

use edge_auth::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

struct Team {
    app: TestApp,
    owner: SignedIn,
    admin: SignedIn,
    member: SignedIn,
    outsider: SignedIn,
}

/// `acme`, owned by ada, with bob as admin and cy as member; dee has signed in but is in no
/// workspace but her own.
fn team() -> Team {
    let app = spawn_app();
    let owner = app.sign_in("user_ada", "ada@example.com");
    let admin = app.sign_in("user_bob", "bob@example.com");
    let member = app.sign_in("user_cy", "cy@example.com");
    let outsider = app.sign_in("user_dee", "Dee@Example.com");
    app.create_org(&owner.token, "Acme", "acme");
    app.add_member(&owner.token, "acme", "user_bob", "admin");
    app.add_member(&owner.token, "acme", "user_cy", "member");
    Team { app, owner, admin, member, outsider }
}

fn patch_role(app: &TestApp, bearer: &str, org: &str, user_id: &str, role: &str) -> (u16, String) {
    let response = app.call(
        Method::Patch,
        &format!("/v1/orgs/{org}/members/{user_id}"),
        Some(bearer),
        Some(&json!({ "role": role })),
    );
    (response.status, error_code(&response))
}

fn remove(app: &TestApp, bearer: &str, org: &str, user_id: &str) -> (u16, String) {
    let response = app.call(Method::Delete, &format!("/v1/orgs/{org}/members/{user_id}"), Some(bearer), None);
    (response.status, error_code(&response))
}

fn last_event(app: &TestApp) -> (Value, Value, Value) {
    let row = &app.platform.db.rows("SELECT action, actor_type, detail FROM audit_events ORDER BY seq DESC LIMIT 1")[0];
    (row[0].clone(), row[1].clone(), serde_json::from_slice(row[2].as_str().unwrap().as_bytes()).unwrap())
}

#[test]
fn a_user_who_signed_in_is_added_by_id_or_by_email() {
    let Team { app, owner, outsider, .. } = team();
    let response = app.call(
        Method::Post,
        "/v1/orgs/acme/members",
        Some(&owner.token),
        Some(&json!({ "email": " dee@EXAMPLE.com ", "role": "member" })),
    );
    assert_eq!(response.status, 201, "{}", body_text(&response));
    let member = response.json_body();
    assert!(member["id"].as_str().unwrap().starts_with("mem_"));
    assert_eq!(
        (member["user_id"].clone(), member["email"].clone(), member["role"].clone()),
        (json!("user_dee"), json!(outsider.email), json!("member"))
    );
    assert_eq!(
        response.header("location"),
        Some(
            format!(
                "/v1/orgs/{}/members/user_dee",
                app.get("/v1/orgs/acme", Some(&owner.token)).json_body()["id"].as_str().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(
        last_event(&app),
        (json!("membership.created"), json!("user"), json!({ "user_id": "user_dee", "role": "member" }))
    );
    assert_eq!(app.get("/v1/orgs/acme/members/user_dee", Some(&owner.token)).json_body(), member);
    assert_eq!(app.get("/v1/orgs/acme", Some(&outsider.token)).status, 200, "dee now sees acme");
}

#[test]
fn only_users_who_signed_in_can_be_added_and_only_once() {
    let Team { app, owner, .. } = team();
    let before = app.snapshot();
    let cases = [
        (json!({ "user_id": "user_never", "role": "member" }), 404, "user_not_found"),
        (json!({ "email": "never@example.com", "role": "member" }), 404, "user_not_found"),
        (json!({ "user_id": "user_cy", "role": "admin" }), 409, "already_member"),
        (json!({ "email": "CY@example.com", "role": "member" }), 409, "already_member"),
        (json!({ "user_id": "user_dee", "email": "dee@example.com", "role": "member" }), 400, "invalid_body"),
        (json!({ "role": "member" }), 400, "invalid_body"),
        (json!({ "user_id": "user_dee", "role": "superuser" }), 400, "invalid_body"),
    ];
    for (body, status, code) in cases {
        let response = app.call(Method::Post, "/v1/orgs/acme/members", Some(&owner.token), Some(&body));
        assert_eq!((response.status, error_code(&response).as_str()), (status, code), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn an_email_shared_by_two_users_must_be_added_by_id() {
    let Team { app, owner, .. } = team();
    app.sign_in("user_dee_2", "dee@example.com");
    let response = app.call(
        Method::Post,
        "/v1/orgs/acme/members",
        Some(&owner.token),
        Some(&json!({ "email": "dee@example.com", "role": "member" })),
    );
    assert_eq!((response.status, error_code(&response).as_str()), (409, "user_ambiguous"));
    app.add_member(&owner.token, "acme", "user_dee_2", "member");
}

#[test]
fn a_member_is_read_by_user_id() {
    let Team { app, member, .. } = team();
    let body = app.get("/v1/orgs/acme/members/user_cy", Some(&member.token)).json_body();
    assert_eq!(
        (body["user_id"].clone(), body["role"].clone(), body["email"].clone()),
        (json!("user_cy"), json!("member"), json!("cy@example.com"))
    );
    let response = app.get("/v1/orgs/acme/members/user_dee", Some(&member.token));
    assert_eq!((response.status, error_code(&response).as_str()), (404, "member_not_found"));
}

#[test]
fn roles_change_with_an_audit_of_from_and_to() {
    let Team { app, owner, .. } = team();
    let response =
        app.call(Method::Patch, "/v1/orgs/acme/members/user_cy", Some(&owner.token), Some(&json!({ "role": "admin" })));
    assert_eq!(response.status, 200, "{}", body_text(&response));
    assert_eq!(response.json_body()["role"], "admin");
    assert_eq!(
        last_event(&app),
        (json!("membership.updated"), json!("user"), json!({ "user_id": "user_cy", "from": "member", "to": "admin" }))
    );
    // Asking for the role it already has changes nothing.
    let before = app.snapshot();
    assert_eq!(patch_role(&app, &owner.token, "acme", "user_cy", "admin"), (200, String::new()));
    assert_eq!(app.snapshot(), before);
}

#[test]
fn admins_manage_members_but_not_owners() {
    let Team { app, owner, admin, .. } = team();
    let token = &admin.token;
    app.add_member(token, "acme", "user_dee", "admin");
    assert_eq!(patch_role(&app, token, "acme", "user_dee", "member"), (200, String::new()));
    assert_eq!(patch_role(&app, token, "acme", "user_cy", "admin"), (200, String::new()));
    assert_eq!(remove(&app, token, "acme", "user_cy"), (204, String::new()));
    let before = app.snapshot();
    let refused = "insufficient_role".to_owned();
    assert_eq!(patch_role(&app, token, "acme", "user_dee", "owner"), (403, refused.clone()), "promote to owner");
    assert_eq!(patch_role(&app, token, "acme", "user_ada", "admin"), (403, refused.clone()), "demote an owner");
    assert_eq!(patch_role(&app, token, "acme", "user_bob", "owner"), (403, refused.clone()), "promote oneself");
    assert_eq!(remove(&app, token, "acme", "user_ada"), (403, refused.clone()), "remove an owner");
    let response = app.call(
        Method::Post,
        "/v1/orgs/acme/members",
        Some(token),
        Some(&json!({ "user_id": owner.user_id, "role": "owner" })),
    );
    assert_eq!((response.status, error_code(&response)), (403, refused), "add an owner");
    assert_eq!(app.snapshot(), before);
}

#[test]
fn members_only_read() {
    let Team { app, member, .. } = team();
    let before = app.snapshot();
    assert_eq!(patch_role(&app, &member.token, "acme", "user_cy", "admin"), (403, "insufficient_role".into()));
    assert_eq!(remove(&app, &member.token, "acme", "user_bob"), (403, "insufficient_role".into()));
    assert_eq!(app.get("/v1/orgs/acme/members", Some(&member.token)).status, 200);
    assert_eq!(app.snapshot(), before);
}

#[test]
fn a_member_may_leave() {
    let Team { app, member, admin, .. } = team();
    assert_eq!(remove(&app, &member.token, "acme", "user_cy"), (204, String::new()));
    assert_eq!(
        last_event(&app),
        (json!("membership.deleted"), json!("user"), json!({ "user_id": "user_cy", "role": "member", "left": true }))
    );
    assert_eq!(error_code(&app.get("/v1/orgs/acme", Some(&member.token))), "org_not_found");
    assert_eq!(remove(&app, &admin.token, "acme", "user_bob"), (204, String::new()), "admins leave too");
}

#[test]
fn the_last_owner_cannot_leave_be_removed_or_be_demoted() {
    let Team { app, owner, .. } = team();
    let before = app.snapshot();
    let last_owner = (409, "last_owner".to_owned());
    assert_eq!(remove(&app, &owner.token, "acme", "user_ada"), last_owner, "leave");
    for role in ["admin", "member"] {
        assert_eq!(patch_role(&app, &owner.token, "acme", "user_ada", role), last_owner, "demote to {role}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn with_two_owners_one_can_leave_or_be_demoted_but_not_both() {
    let Team { app, owner, admin, .. } = team();
    assert_eq!(patch_role(&app, &owner.token, "acme", "user_bob", "owner"), (200, String::new()));
    // Two owners: either may be demoted or removed by the other, or leave.
    assert_eq!(patch_role(&app, &admin.token, "acme", "user_ada", "admin"), (200, String::new()));
    assert_eq!(patch_role(&app, &admin.token, "acme", "user_ada", "owner"), (200, String::new()));
    assert_eq!(remove(&app, &owner.token, "acme", "user_ada"), (204, String::new()), "ada leaves");
    // Bob is the last owner now.
    assert_eq!(remove(&app, &admin.token, "acme", "user_bob"), (409, "last_owner".into()));
    assert_eq!(patch_role(&app, &admin.token, "acme", "user_bob", "member"), (409, "last_owner".into()));
    let owners = app.platform.db.scalar("SELECT group_concat(user_id) FROM memberships WHERE role = 'owner' AND workspace_id = (SELECT id FROM workspaces WHERE slug = 'acme')");
    assert_eq!(owners, json!("user_bob"));
}

#[test]
fn an_owner_removes_another_owner() {
    let Team { app, owner, .. } = team();
    app.add_member(&owner.token, "acme", "user_dee", "owner");
    assert_eq!(remove(&app, &owner.token, "acme", "user_dee"), (204, String::new()));
    assert_eq!(last_event(&app).2, json!({ "user_id": "user_dee", "role": "owner", "left": false }));
}

#[test]
fn a_personal_workspace_keeps_its_owner() {
    let Team { app, owner, admin, .. } = team();
    let personal = &owner.personal_slug;
    app.add_member(&owner.token, personal, "user_bob", "owner");
    let before = app.snapshot();
    let kept = (409, "personal_workspace".to_owned());
    assert_eq!(remove(&app, &admin.token, personal, "user_ada"), kept, "removed by another owner");
    assert_eq!(patch_role(&app, &admin.token, personal, "user_ada", "admin"), kept, "demoted by another owner");
    assert_eq!(remove(&app, &owner.token, personal, "user_ada"), kept, "leaving");
    assert_eq!(patch_role(&app, &owner.token, personal, "user_ada", "member"), kept, "demoting oneself");
    assert_eq!(app.snapshot(), before);
    assert_eq!(remove(&app, &admin.token, personal, "user_bob"), (204, String::new()), "the other owner may leave");
}

#[test]
fn an_api_key_manages_members_as_an_admin() {
    let Team { app, owner, .. } = team();
    let (key, key_id) = app.create_key(&owner.token, "acme", &["read", "write"]);
    let member = app.add_member(&key, "acme", "user_dee", "member");
    assert_eq!(member["role"], "member");
    let actor = app.platform.db.rows("SELECT actor_type, actor_id FROM audit_events ORDER BY seq DESC LIMIT 1");
    assert_eq!(actor[0], json!(["api_key", key_id]));
    assert_eq!(
        patch_role(&app, &key, "acme", "user_dee", "admin"),
        (403, "insufficient_scope".into()),
        "admin needs keys too"
    );
    let (full_key, _) = app.create_key(&owner.token, "acme", &["read", "write", "keys"]);
    assert_eq!(patch_role(&app, &full_key, "acme", "user_dee", "admin"), (200, String::new()));
    assert_eq!(patch_role(&app, &key, "acme", "user_dee", "owner"), (403, "insufficient_role".into()));
    assert_eq!(remove(&app, &key, "acme", "user_ada"), (403, "insufficient_role".into()));
    assert_eq!(remove(&app, &key, "acme", "user_dee"), (204, String::new()));
    let read_only = app.create_key(&owner.token, "acme", &["read"]).0;
    let response = app.call(Method::Delete, "/v1/orgs/acme/members/user_cy", Some(&read_only), None);
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_scope"));
    assert_eq!(response.header("www-authenticate"), Some("Bearer error=\"insufficient_scope\", scope=\"write\""));
}

#[test]
fn adding_by_email_finds_verified_emails_only() {
    let app = spawn_app_with(&[("WORKOS_USER_CACHE_SECONDS", "0")]);
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.platform.workos.unverified.borrow_mut().insert("user_eve".into());
    app.sign_in("user_eve", "eve@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let add = |body: Value| app.call(Method::Post, "/v1/orgs/acme/members", Some(&ada.token), Some(&body));
    let before = app.snapshot();
    let response = add(json!({ "email": "eve@example.com", "role": "member" }));
    assert_eq!(
        (response.status, error_code(&response).as_str()),
        (404, "user_not_found"),
        "an unverified email finds nobody"
    );
    assert_eq!(app.snapshot(), before);
    // Once WorkOS has verified it, her next sign-in records that, and the email finds her.
    app.platform.workos.unverified.borrow_mut().clear();
    app.sign_in("user_eve", "eve@example.com");
    assert_eq!(add(json!({ "email": "EVE@example.com", "role": "member" })).status, 201);
}

#[test]
fn an_unverified_email_cannot_shadow_a_verified_one() {
    let app = spawn_app_with(&[("WORKOS_USER_CACHE_SECONDS", "0")]);
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_eve", "eve@example.com");
    // Someone else signs up with Eve's address where WorkOS does not require verification.
    app.platform.workos.unverified.borrow_mut().insert("user_mallory".into());
    app.sign_in("user_mallory", "eve@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let response = app.call(
        Method::Post,
        "/v1/orgs/acme/members",
        Some(&ada.token),
        Some(&json!({ "email": "eve@example.com", "role": "admin" })),
    );
    assert_eq!(response.status, 201, "{}", body_text(&response));
    assert_eq!(response.json_body()["user_id"], "user_eve");
}
