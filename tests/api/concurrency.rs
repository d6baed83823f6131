//! Requests interleaved at their D1 round trips (the SQLite stand-in yields at each one, and
//! `join!` polls in order): both requests read before either writes. A write lands only on the
//! workspace version its decision read; the one that loses reads again and decides again.

use edge_auth::http::{ApiResponse, Method};
use futures::executor::block_on;
use serde_json::json;

use crate::helpers::*;

fn status_and_code(response: &ApiResponse) -> (u16, String) {
    (response.status, error_code(response))
}

/// Both outcomes, sorted, so the assertion does not depend on which request won.
fn outcomes(a: &ApiResponse, b: &ApiResponse) -> Vec<(u16, String)> {
    let mut outcomes = vec![status_and_code(a), status_and_code(b)];
    outcomes.sort();
    outcomes
}

#[test]
fn two_creates_of_one_slug_give_one_workspace_and_one_409() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    let trips = app.round_trips();
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(
                Method::Post,
                "/v1/orgs",
                Some(&ada.token),
                Some(&json!({ "name": "Ada's", "slug": "acme" }))
            ),
            app.call_async(
                Method::Post,
                "/v1/orgs",
                Some(&bob.token),
                Some(&json!({ "name": "Bob's", "slug": "ACME" }))
            ),
        )
    });
    assert_eq!(outcomes(&a, &b), [(201, String::new()), (409, "slug_taken".to_owned())]);
    assert_eq!(app.round_trips() - trips, 4, "both read, then both wrote");
    let winner = if a.status == 201 { a.json_body() } else { b.json_body() };
    let id = winner["id"].as_str().unwrap();
    assert_eq!(app.platform.db.scalar("SELECT count(*) FROM workspaces WHERE slug = 'acme'"), json!(1));
    assert_eq!(
        app.platform.db.scalar(&format!("SELECT count(*) FROM memberships WHERE workspace_id = '{id}'")),
        json!(1)
    );
    // The loser's batch left nothing: 2 personal workspaces + 1, and 3+3 sign-in events + 2.
    assert_eq!(
        (
            app.platform.db.count("workspaces"),
            app.platform.db.count("memberships"),
            app.platform.db.count("audit_events")
        ),
        (3, 3, 8)
    );
}

#[test]
fn two_reslugs_to_one_slug_give_one_200_and_one_409() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "One", "one");
    app.create_org(&ada.token, "Two", "two");
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(Method::Patch, "/v1/orgs/one", Some(&ada.token), Some(&json!({ "slug": "taken-once" }))),
            app.call_async(Method::Patch, "/v1/orgs/two", Some(&ada.token), Some(&json!({ "slug": "taken-once" }))),
        )
    });
    assert_eq!(outcomes(&a, &b), [(200, String::new()), (409, "slug_taken".to_owned())]);
    assert_eq!(app.platform.db.scalar("SELECT count(*) FROM workspaces WHERE slug = 'taken-once'"), json!(1));
    assert_eq!(
        app.platform.db.scalar("SELECT count(*) FROM audit_events WHERE action = 'workspace.updated'"),
        json!(1)
    );
}

/// Acme with two owners, ada and bob.
fn two_owners() -> (TestApp, SignedIn, SignedIn) {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.add_member(&ada.token, "acme", "user_bob", "owner");
    (app, ada, bob)
}

fn owners(app: &TestApp) -> i64 {
    app.platform
        .db
        .scalar("SELECT count(*) FROM memberships WHERE role = 'owner' AND workspace_id = (SELECT id FROM workspaces WHERE slug = 'acme')")
        .as_i64()
        .unwrap()
}

#[test]
fn two_owners_demoting_themselves_at_once_leave_one_owner() {
    let (app, ada, bob) = two_owners();
    let demote = json!({ "role": "admin" });
    let trips = app.round_trips();
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(Method::Patch, "/v1/orgs/acme/members/user_ada", Some(&ada.token), Some(&demote)),
            app.call_async(Method::Patch, "/v1/orgs/acme/members/user_bob", Some(&bob.token), Some(&demote)),
        )
    });
    assert_eq!(outcomes(&a, &b), [(200, String::new()), (409, "last_owner".to_owned())]);
    // Both passed the read; the second write found the workspace at a newer version and wrote
    // nothing, and its request read again and refused.
    assert_eq!(app.round_trips() - trips, 5, "both passed the read; the second read again");
    assert_eq!(owners(&app), 1);
}

#[test]
fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let (app, ada, bob) = two_owners();
    let demote = json!({ "role": "member" });
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(Method::Patch, "/v1/orgs/acme/members/user_bob", Some(&ada.token), Some(&demote)),
            app.call_async(Method::Patch, "/v1/orgs/acme/members/user_ada", Some(&bob.token), Some(&demote)),
        )
    });
    // The second writer is no longer an owner by the time its batch runs.
    assert_eq!(outcomes(&a, &b), [(200, String::new()), (403, "insufficient_role".to_owned())]);
    assert_eq!(owners(&app), 1);
}

#[test]
fn two_owners_leaving_at_once_leave_one_owner() {
    let (app, ada, bob) = two_owners();
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(Method::Delete, "/v1/orgs/acme/members/user_ada", Some(&ada.token), None),
            app.call_async(Method::Delete, "/v1/orgs/acme/members/user_bob", Some(&bob.token), None),
        )
    });
    assert_eq!(outcomes(&a, &b), [(204, String::new()), (409, "last_owner".to_owned())]);
    assert_eq!(owners(&app), 1);
    assert_eq!(
        app.platform.db.scalar("SELECT count(*) FROM audit_events WHERE action = 'membership.deleted'"),
        json!(1)
    );
}

#[test]
fn adding_one_user_twice_at_once_gives_one_membership() {
    let (app, ada, bob) = two_owners();
    app.sign_in("user_cy", "cy@example.com");
    let body = json!({ "user_id": "user_cy", "role": "member" });
    let (a, b) = block_on(async {
        futures::join!(
            app.call_async(Method::Post, "/v1/orgs/acme/members", Some(&ada.token), Some(&body)),
            app.call_async(Method::Post, "/v1/orgs/acme/members", Some(&bob.token), Some(&body)),
        )
    });
    assert_eq!(outcomes(&a, &b), [(201, String::new()), (409, "already_member".to_owned())]);
    assert_eq!(app.platform.db.scalar("SELECT count(*) FROM memberships WHERE user_id = 'user_cy'"), json!(2));
}

#[test]
fn an_admin_demoted_while_removing_someone_removes_no_one() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.sign_in("user_cy", "cy@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.add_member(&ada.token, "acme", "user_bob", "admin");
    app.add_member(&ada.token, "acme", "user_cy", "member");
    let (demoted, removal) = block_on(async {
        futures::join!(
            app.call_async(
                Method::Patch,
                "/v1/orgs/acme/members/user_bob",
                Some(&ada.token),
                Some(&json!({ "role": "member" }))
            ),
            app.call_async(Method::Delete, "/v1/orgs/acme/members/user_cy", Some(&bob.token), None),
        )
    });
    assert_eq!(demoted.status, 200);
    assert_eq!(status_and_code(&removal), (403, "insufficient_role".to_owned()));
    assert_eq!(app.get("/v1/orgs/acme/members/user_cy", Some(&ada.token)).status, 200);
}

#[test]
fn a_key_revoked_while_it_writes_writes_nothing() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_cy", "cy@example.com");
    let (key, key_id) = app.create_key(&ada.token, &ada.personal_slug, &["read", "write"]);
    let org = ada.personal_slug.clone();
    let (revoked, added) = block_on(async {
        futures::join!(
            app.call_async(Method::Delete, &format!("/v1/orgs/{org}/api-keys/{key_id}"), Some(&ada.token), None),
            app.call_async(
                Method::Post,
                &format!("/v1/orgs/{org}/members"),
                Some(&key),
                Some(&json!({ "user_id": "user_cy", "role": "member" }))
            ),
        )
    });
    assert_eq!(revoked.status, 204);
    // The add lost to the revocation and read again: the key it came with is revoked now.
    assert_eq!(status_and_code(&added), (401, "api_key_invalid".to_owned()));
    assert_eq!(app.platform.db.scalar("SELECT count(*) FROM memberships WHERE user_id = 'user_cy'"), json!(1));
}

#[test]
fn two_unrelated_changes_to_one_workspace_at_once_both_land() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_cy", "cy@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let org_id = app.get("/v1/orgs/acme", Some(&ada.token)).json_body()["id"].as_str().unwrap().to_owned();
    let trips = app.round_trips();
    let (renamed, added, keyed) = block_on(async {
        futures::join!(
            app.call_async(
                Method::Patch,
                &format!("/v1/orgs/{org_id}"),
                Some(&ada.token),
                Some(&json!({ "name": "Acme 2" }))
            ),
            app.call_async(
                Method::Post,
                &format!("/v1/orgs/{org_id}/members"),
                Some(&ada.token),
                Some(&json!({ "user_id": "user_cy", "role": "member" }))
            ),
            app.call_async(
                Method::Post,
                &format!("/v1/orgs/{org_id}/api-keys"),
                Some(&ada.token),
                Some(&json!({ "name": "ci" }))
            ),
        )
    });
    assert_eq!((renamed.status, added.status, keyed.status), (200, 201, 201), "{}", body_text(&keyed));
    assert!(app.round_trips() - trips > 6, "they raced: the later ones read again");
    let workspace = app.get(&format!("/v1/orgs/{org_id}"), Some(&ada.token)).json_body();
    assert_eq!(workspace["name"], "Acme 2");
    let cy_in_acme =
        format!("SELECT count(*) FROM memberships WHERE user_id = 'user_cy' AND workspace_id = '{org_id}'");
    assert_eq!(app.platform.db.scalar(&cy_in_acme), json!(1));
    assert_eq!(app.platform.db.scalar(&format!("SELECT version FROM workspaces WHERE id = '{org_id}'")), json!(3));
}

#[test]
fn a_change_that_keeps_losing_answers_503_conflict_and_writes_nothing() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let events = app.platform.db.count("audit_events");
    // Another writer changes the workspace between every read and write.
    app.platform.db.before_each_batch.replace(Some("UPDATE workspaces SET version = version + 1".to_owned()));
    let trips = app.round_trips();
    let response = app.call(Method::Patch, "/v1/orgs/acme", Some(&ada.token), Some(&json!({ "name": "Acme 2" })));
    app.platform.db.before_each_batch.replace(None);
    assert_eq!((response.status, error_code(&response).as_str()), (503, "conflict"));
    assert!(response.header("retry-after").is_some());
    assert_eq!(app.round_trips() - trips, 6, "three reads and three writes that lost");
    assert_eq!(app.platform.db.rows("SELECT name FROM workspaces WHERE slug = 'acme'"), [json!(["Acme"])]);
    assert_eq!(app.platform.db.count("audit_events"), events, "no event of a change that did not land");
}
