//! `POST /v1/webhooks/workos`: WorkOS's events, signed, applied once, in any order; a deleted
//! user loses access on their next request, whatever the credential.

use edge_auth::domain::rfc3339;
use edge_auth::http::{ApiRequest, ApiResponse, Method};
use edge_auth::routes::{sync_events, SyncFailed, Synced};
use edge_auth::workos::webhook_signature::{sign, TOLERANCE_MS};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::hosted_sign_in::{hosted_sign_in, set_cookie, SESSION_COOKIE};
use crate::openapi::{conforms, document};

const SECRET: &str = "whsec_test_secret";
const PATH: &str = "/v1/webhooks/workos";

fn spawn() -> TestApp {
    spawn_app_with(&[("WORKOS_WEBHOOK_SECRET", SECRET)])
}

/// A delivery as WorkOS makes it: the event's JSON, signed now under `SECRET`.
fn delivery(app: &TestApp, event: &Value) -> ApiRequest {
    let body = event.to_string();
    let signature = sign(SECRET, app.platform.now.get() as u64, body.as_bytes());
    raw_delivery(body.as_bytes(), Some(&signature))
}

fn raw_delivery(body: &[u8], signature: Option<&str>) -> ApiRequest {
    let mut request = ApiRequest::new(Method::Post, PATH).with_header("content-type", "application/json");
    request.body = body.to_vec();
    match signature {
        Some(signature) => request.with_header("workos-signature", signature),
        None => request,
    }
}

/// Sends a delivery; every answer is held to the OpenAPI document.
fn send(app: &TestApp, request: ApiRequest) -> ApiResponse {
    let response = app.send(request);
    conforms(&document(), Method::Post, PATH, &response);
    response
}

fn deliver(app: &TestApp, event: &Value) -> ApiResponse {
    send(app, delivery(app, event))
}

fn event(id: &str, kind: &str, data: Value) -> Value {
    json!({ "object": "event", "id": id, "event": kind, "data": data, "created_at": "2026-11-22T00:00:00.000Z" })
}

/// A WorkOS user object.
fn user(id: &str, email: &str, updated_at: &str) -> Value {
    json!({ "object": "user", "id": id, "email": email, "email_verified": true, "first_name": null,
        "last_name": null, "profile_picture_url": null, "created_at": "2026-11-01T00:00:00.000Z",
        "updated_at": updated_at })
}

fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str) -> ApiResponse {
    app.send(ApiRequest::new(method, path).with_header("cookie", cookie).with_header("origin", "https://edge.test"))
}

fn applied(response: &ApiResponse, id: &str, duplicate: bool) {
    assert_eq!(response.status, 200, "{}", body_text(response));
    assert_eq!(response.json_body(), json!({ "event": id, "duplicate": duplicate }));
}

#[test]
fn a_deleted_user_loses_access_on_their_next_request_whatever_the_credential() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    let team = app.create_org(&ada.token, "Team", "team");
    let team_id = team["id"].as_str().unwrap();
    app.add_member(&ada.token, team_id, "user_bob", "admin");
    let (team_key, _) = app.create_key(&ada.token, team_id, &["read"]);
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &cookie).status, 200);
    // Her trail holds the hosted sign-in, as the document describes an event.
    let personal_events = format!("/v1/orgs/{}/events", ada.personal_id);
    let listed = app.get(&personal_events, Some(&ada.token));
    assert!(body_text(&listed).contains("session.signed_in"), "{}", body_text(&listed));
    conforms(&document(), Method::Get, &personal_events, &listed);

    let version = |id: &str| app.platform.db.scalar(&format!("SELECT version FROM workspaces WHERE id = '{id}'"));
    let personal_version = version(&ada.personal_id);
    let deleted = deliver(
        &app,
        &event("event_01DEL", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:00.000Z")),
    );
    applied(&deleted, "event_01DEL", false);

    // Her access token is still signed and unexpired: refused all the same.
    for path in
        ["/v1/me".to_owned(), format!("/v1/orgs/{team_id}"), "/v1/orgs".to_owned(), "/v1/auth/session".to_owned()]
    {
        let refused = app.get(&path, Some(&ada.token));
        assert_eq!((refused.status, error_code(&refused).as_str()), (403, "user_deleted"), "{path}");
        conforms(&document(), Method::Get, &path, &refused);
    }
    // Her cookie session has ended, and the browser is told to drop the cookie.
    let ended = with_cookie(&app, Method::Get, "/v1/me", &cookie);
    assert_eq!(error_code(&ended), "session_expired");
    assert_eq!(set_cookie(&ended, SESSION_COOKIE).as_deref(), Some(""));
    // Her personal workspace's default key is revoked; the team's key stays the team's.
    let personal_key = app.get(&format!("/v1/orgs/{}", ada.personal_id), Some(&ada.default_key));
    assert_eq!(error_code(&personal_key), "api_key_invalid");
    assert_eq!(app.get(&format!("/v1/orgs/{team_id}"), Some(&team_key)).status, 200);
    assert_ne!(version(&ada.personal_id), personal_version, "its keys changed, so its version moved");
    // No sign-in brings her back: neither the web callback (a replay of her first one included)
    // nor hosted sign-in, and nothing is written by trying.
    let before = app.snapshot();
    let replay = app.callback(&ada.token);
    assert_eq!((replay.status, error_code(&replay).as_str()), (403, "user_deleted"));
    conforms(&document(), Method::Post, "/v1/auth/web/callback", &replay);
    let fresh = app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    assert_eq!(error_code(&fresh), "user_deleted");
    assert_eq!(app.snapshot(), before);
    let sessions = app.platform.db.count("sessions");
    let hosted = crate::hosted_sign_in::try_hosted_sign_in(&app, "user_ada", "ada@example.com");
    assert_eq!(error_code(&hosted), "user_deleted");
    assert_eq!(app.platform.db.count("sessions"), sessions, "no session for a deleted user");
    // The team's trail says what happened, and who said so (Bob's succession as owner, tested
    // below, is beside it).
    let events_path = format!("/v1/orgs/{team_id}/events?limit=2");
    let events = app.get(&events_path, Some(&bob.token));
    conforms(&document(), Method::Get, &events_path, &events);
    let events = events.json_body();
    let deletion = events["data"].as_array().unwrap().iter().find(|e| e["action"] == "user.deleted").expect("recorded");
    assert_eq!(deletion["actor"], json!({ "type": "system", "id": "workos" }));
    assert_eq!(deletion["target"], json!({ "type": "user", "id": "user_ada" }));
    assert_eq!(deletion["detail"], json!({ "workos_event_id": "event_01DEL" }));
    // Nobody can add her to a workspace again; Bob, in the same team, is untouched.
    let add = app.call(
        Method::Post,
        &format!("/v1/orgs/{}/members", bob.personal_id),
        Some(&bob.token),
        Some(&json!({ "email": "ada@example.com", "role": "member" })),
    );
    assert_eq!(error_code(&add), "user_not_found");
    assert_eq!(app.get(&format!("/v1/orgs/{team_id}"), Some(&bob.token)).status, 200);
    assert_eq!(app.get("/v1/me", Some(&bob.token)).status, 200);
}

#[test]
fn a_workspace_whose_last_owner_is_deleted_gets_its_longest_standing_admin_as_owner() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    let cy = app.sign_in("user_cy", "cy@example.com");
    let dee = app.sign_in("user_dee", "dee@example.com");
    let id = |org: &Value| org["id"].as_str().unwrap().to_owned();
    // Ada owns three workspaces: one with admins (Cy joined before Bob), one with a second
    // owner, one with members only.
    let team = id(&app.create_org(&ada.token, "Team", "team"));
    app.add_member(&ada.token, &team, "user_dee", "member");
    app.add_member(&ada.token, &team, "user_cy", "admin");
    app.advance_seconds(1);
    app.add_member(&ada.token, &team, "user_bob", "admin");
    let shared = id(&app.create_org(&ada.token, "Shared", "shared"));
    app.add_member(&ada.token, &shared, "user_bob", "owner");
    app.add_member(&ada.token, &shared, "user_cy", "admin");
    let small = id(&app.create_org(&ada.token, "Small", "small"));
    app.add_member(&ada.token, &small, "user_dee", "member");
    let role = |org: &str, user: &str| {
        let sql = format!("SELECT role FROM memberships WHERE workspace_id = '{org}' AND user_id = '{user}'");
        app.platform.db.scalar(&sql).as_str().unwrap_or_default().to_owned()
    };
    let version = |org: &str| app.platform.db.scalar(&format!("SELECT version FROM workspaces WHERE id = '{org}'"));
    let (team_version, shared_version) = (version(&team), version(&shared));

    let deleted = event("event_01DEL", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:00.000Z"));
    applied(&deliver(&app, &deleted), "event_01DEL", false);

    assert_eq!(role(&team, "user_cy"), "owner", "the admin who joined first");
    assert_eq!(role(&team, "user_bob"), "admin");
    assert_eq!(role(&team, "user_ada"), "owner", "her membership stays, as every deleted user's does");
    assert_ne!(version(&team), team_version, "a role changed, so the version moved");
    assert_eq!((role(&shared, "user_bob"), role(&shared, "user_cy")), ("owner".into(), "admin".into()));
    assert_eq!(version(&shared), shared_version, "Bob owns it still: nothing to do");
    assert_eq!(role(&small, "user_dee"), "member", "a member is not made owner");
    let events = app.get(&format!("/v1/orgs/{team}/events"), Some(&cy.token)).json_body();
    let succession =
        events["data"].as_array().unwrap().iter().find(|e| e["action"] == "membership.updated").expect("recorded");
    assert_eq!(succession["actor"], json!({ "type": "system", "id": "workos" }));
    assert_eq!(succession["detail"]["user_id"], "user_cy");
    assert_eq!(
        (succession["detail"]["from"].clone(), succession["detail"]["to"].clone()),
        (json!("admin"), json!("owner"))
    );
    assert_eq!(succession["detail"]["workos_event_id"], "event_01DEL");
    // The members list tells the admins whom WorkOS deleted, and when; the others are null.
    let path = format!("/v1/orgs/{team}/members");
    let members = app.get(&path, Some(&cy.token));
    conforms(&document(), Method::Get, &path, &members);
    let members = members.json_body();
    let deleted_at = |user: &str| {
        let member = members["data"].as_array().unwrap().iter().find(|m| m["user_id"] == user).expect("listed");
        member["user_deleted_at"].clone()
    };
    assert_eq!(deleted_at("user_ada"), json!(rfc3339(app.platform.now.get())));
    assert_eq!((deleted_at("user_bob"), deleted_at("user_cy")), (Value::Null, Value::Null));
    let one = app.get(&format!("/v1/orgs/{team}/members/user_ada"), Some(&cy.token)).json_body();
    assert_eq!(one["user_deleted_at"], deleted_at("user_ada"));

    // Cy may now do what only an owner may: grant `owner`, and take Ada's membership away.
    let grant = app.call(
        Method::Patch,
        &format!("/v1/orgs/{team}/members/user_bob"),
        Some(&cy.token),
        Some(&json!({ "role": "owner" })),
    );
    assert_eq!(grant.status, 200, "{}", body_text(&grant));
    let removed = app.call(Method::Delete, &format!("/v1/orgs/{team}/members/user_ada"), Some(&cy.token), None);
    assert_eq!(removed.status, 204, "{}", body_text(&removed));
    // A redelivery promotes nobody else.
    applied(&deliver(&app, &deleted), "event_01DEL", true);
    assert_eq!(role(&shared, "user_cy"), "admin");
    let _ = (bob, dee);
}

#[test]
fn a_user_deleted_before_we_ever_saw_them_is_never_provisioned() {
    let app = spawn();
    // A token WorkOS issued just before deleting the user, used after the event arrived.
    let token = app.sign_in_token("user_eve", "eve@example.com");
    applied(
        &deliver(
            &app,
            &event("event_01EVE", "user.deleted", user("user_eve", "eve@example.com", "2026-11-22T00:00:00.000Z")),
        ),
        "event_01EVE",
        false,
    );
    let refused = app.callback(&token);
    assert_eq!((refused.status, error_code(&refused).as_str()), (403, "user_deleted"));
    assert_eq!(app.platform.db.count("workspaces"), 0);
}

#[test]
fn a_session_revoked_at_workos_ends_its_cookie_session_only() {
    let app = spawn();
    let first = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let second = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let workos_sessions = app.platform.db.rows("SELECT workos_session_id FROM sessions ORDER BY created_at, rowid");
    let first_workos_session = workos_sessions[0][0].as_str().unwrap();
    let revoked = event(
        "event_01REV",
        "session.revoked",
        json!({ "object": "session", "id": first_workos_session, "user_id": "user_ada", "status": "revoked" }),
    );
    applied(&deliver(&app, &revoked), "event_01REV", false);
    assert_eq!(error_code(&with_cookie(&app, Method::Get, "/v1/me", &first)), "session_expired");
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &second).status, 200);
}

#[test]
fn a_user_update_that_verifies_an_invited_email_makes_the_member_at_once() {
    let app = spawn_app_with(&[("WORKOS_WEBHOOK_SECRET", SECRET), ("WORKOS_USER_CACHE_SECONDS", "0")]);
    let ada = app.sign_in("user_ada", "ada@example.com");
    let team = app.create_org(&ada.token, "Team", "team")["id"].as_str().unwrap().to_owned();
    app.platform.workos.unverified.borrow_mut().insert("user_cy".into());
    let cy = app.sign_in("user_cy", "cy@example.com");
    let invitation = app.invite(&ada.token, "team", "Cy@Example.com", "admin");
    assert_eq!(invitation["state"], "pending", "an unverified address does not accept");
    let member_count = || app.platform.db.count("memberships");
    let members = member_count();

    // An update that leaves the email unverified accepts nothing.
    let mut unverified = user("user_cy", "cy@example.com", "2026-11-22T00:00:01.000Z");
    unverified["email_verified"] = json!(false);
    applied(&deliver(&app, &event("event_01UNV", "user.updated", unverified)), "event_01UNV", false);
    assert_eq!(member_count(), members);

    // WorkOS verifies it: Cy is an admin of the team now, with no sign-in of hers.
    let verified = event("event_01VER", "user.updated", user("user_cy", "cy@example.com", "2026-11-22T00:00:02.000Z"));
    applied(&deliver(&app, &verified), "event_01VER", false);
    assert_eq!(app.get(&format!("/v1/orgs/{team}"), Some(&cy.token)).status, 200);
    let read =
        app.get(&format!("/v1/orgs/{team}/invitations/{}", invitation["id"].as_str().unwrap()), Some(&ada.token));
    conforms(&document(), Method::Get, "/v1/orgs/{org}/invitations/{invitation_id}", &read);
    assert_eq!(
        (read.json_body()["state"].clone(), read.json_body()["accepted_by"].clone()),
        (json!("accepted"), json!("user_cy"))
    );
    let trail = app.platform.db.rows(&format!(
        "SELECT action, actor_id, json_extract(detail, '$.invitation_id') FROM audit_events \
         WHERE workspace_id = '{team}' ORDER BY seq DESC LIMIT 1"
    ));
    assert_eq!(trail[0], json!(["membership.created", "user_ada", invitation["id"]]), "the inviter's doing");
    // A redelivery adds nothing.
    let before = app.snapshot();
    applied(&deliver(&app, &verified), "event_01VER", true);
    assert_eq!(app.snapshot(), before);
}

#[test]
fn a_sign_in_does_not_write_an_email_older_than_the_webhook_s_back_within_the_hour() {
    // No user cache: each sign-in takes what "WorkOS" answers, and here it answers the address
    // from before the change, as another isolate's cache would.
    let app = spawn_app_with(&[("WORKOS_WEBHOOK_SECRET", SECRET), ("WORKOS_USER_CACHE_SECONDS", "0")]);
    app.sign_in("user_ada", "ada@old.example");
    app.advance_seconds(60);
    let changed = event("event_01CHG", "user.updated", user("user_ada", "ada@new.example", "2026-11-22T00:01:00.000Z"));
    applied(&deliver(&app, &changed), "event_01CHG", false);
    let email = || app.platform.db.scalar("SELECT email FROM users WHERE id = 'user_ada'");
    assert_eq!(email(), json!("ada@new.example"));

    app.advance_seconds(3_600 - 1);
    let stale = app.callback(&app.sign_in_token("user_ada", "ada@old.example"));
    assert_eq!(stale.status, 200, "{}", body_text(&stale));
    assert_eq!(stale.json_body()["user"]["email"], "ada@new.example", "the answer shows the row");
    assert_eq!(email(), json!("ada@new.example"), "within the hour the webhook's email stands");
    // An hour after WorkOS's change no cache holds an email from before it: sign-ins write
    // again (here the old one, since this "WorkOS" still says so).
    app.advance_seconds(1);
    app.sign_in("user_ada", "ada@old.example");
    assert_eq!(email(), json!("ada@old.example"));
}

#[test]
fn each_event_is_applied_once_and_an_older_update_never_overwrites_a_newer_one() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let newer = event("event_01NEW", "user.updated", user("user_ada", "ada@new.example", "2026-11-22T00:00:02.000Z"));
    let older = event("event_01OLD", "user.updated", user("user_ada", "ada@old.example", "2026-11-22T00:00:01.000Z"));
    applied(&deliver(&app, &newer), "event_01NEW", false);
    applied(&deliver(&app, &newer), "event_01NEW", true);
    applied(&deliver(&app, &older), "event_01OLD", false);
    let me = app.get("/v1/me", Some(&ada.token)).json_body();
    assert_eq!(me["user"]["email"], "ada@new.example", "{me}");
    assert_eq!(app.platform.db.count("workos_events"), 2);

    // A redelivery after its event was applied and then overtaken changes nothing either.
    let newest =
        event("event_01NST", "user.updated", user("user_ada", "ada@newest.example", "2026-11-22T00:00:03.000Z"));
    applied(&deliver(&app, &newest), "event_01NST", false);
    applied(&deliver(&app, &newer), "event_01NEW", true);
    assert_eq!(app.platform.db.scalar("SELECT email FROM users WHERE id = 'user_ada'"), json!("ada@newest.example"));
    // A sign-in within the WorkOS user cache's lifetime records WorkOS's new email, not the old
    // one the cache held since the first sign-in.
    let again = app.callback(&app.sign_in_token("user_ada", "ada@newest.example"));
    assert_eq!(again.status, 200, "{}", body_text(&again));
    assert_eq!(app.platform.db.scalar("SELECT email FROM users WHERE id = 'user_ada'"), json!("ada@newest.example"));

    // Events of other types are acknowledged, so WorkOS stops retrying them, and change nothing.
    let before = app.snapshot();
    let other = event("event_01ORG", "organization.updated", json!({ "object": "organization", "id": "org_01" }));
    applied(&deliver(&app, &other), "event_01ORG", false);
    assert_eq!(app.snapshot(), before);
}

#[test]
fn deliveries_without_a_valid_signature_change_nothing() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let deleted = event("event_01DEL", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:00.000Z"));
    let body = deleted.to_string();
    let now = app.platform.now.get();
    let stale = sign(SECRET, (now - TOLERANCE_MS - 1) as u64, body.as_bytes());
    let future = sign(SECRET, (now + TOLERANCE_MS + 1) as u64, body.as_bytes());
    let wrong_secret = sign("whsec_someone_else", now as u64, body.as_bytes());
    let of_other_body = sign(SECRET, now as u64, b"{}");
    let cases: [(&str, Option<&str>); 6] = [
        ("none", None),
        ("malformed", Some("v1=deadbeef")),
        ("stale", Some(&stale)),
        ("future", Some(&future)),
        ("wrong secret", Some(&wrong_secret)),
        ("another body's", Some(&of_other_body)),
    ];
    for (what, signature) in cases {
        let refused = send(&app, raw_delivery(body.as_bytes(), signature));
        assert_eq!((refused.status, error_code(&refused).as_str()), (401, "webhook_signature_invalid"), "{what}");
    }
    assert_eq!(app.platform.db.count("workos_events"), 0);
    assert_eq!(app.get("/v1/me", Some(&ada.token)).status, 200, "still a user");

    // Signed, but not an event we can read: 400, nothing recorded (WorkOS would retry it).
    for unreadable in
        [json!({ "id": "event_01X" }), json!([]), json!({ "id": "event_01X", "event": "user.deleted", "data": {} })]
    {
        let refused = deliver(&app, &unreadable);
        assert_eq!((refused.status, error_code(&refused).as_str()), (400, "invalid_body"), "{unreadable}");
    }
    assert_eq!(app.platform.db.count("workos_events"), 0);
}

#[test]
fn without_a_webhook_secret_the_route_is_not_there() {
    let app = spawn_app();
    let event = event("event_01DEL", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:00.000Z"));
    let response = send(&app, delivery(&app, &event));
    assert_eq!((response.status, error_code(&response).as_str()), (404, "route_not_found"));
}

#[test]
fn a_storage_outage_is_a_503_that_workos_retries_and_the_retry_applies_the_event() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let deleted = event("event_01DEL", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:00.000Z"));
    app.platform.db.fail_next.replace(Some("D1_ERROR: Network connection lost.".to_owned()));
    let down = deliver(&app, &deleted);
    assert_eq!((down.status, error_code(&down).as_str()), (503, "storage_unavailable"));
    assert!(down.header("retry-after").is_some());
    assert_eq!(app.get("/v1/me", Some(&ada.token)).status, 200, "nothing applied");
    applied(&deliver(&app, &deleted), "event_01DEL", false);
    assert_eq!(error_code(&app.get("/v1/me", Some(&ada.token))), "user_deleted");
}

#[test]
fn the_scheduled_purge_forgets_events_after_30_days() {
    let app = spawn();
    applied(
        &deliver(&app, &event("event_01OLD", "organization.created", json!({ "id": "org_01" }))),
        "event_01OLD",
        false,
    );
    app.advance_seconds(29 * 86_400);
    applied(
        &deliver(&app, &event("event_01NEW", "organization.created", json!({ "id": "org_02" }))),
        "event_01NEW",
        false,
    );
    app.advance_seconds(86_400);
    let now = app.platform.now.get();
    futures::executor::block_on(edge_auth::store::purge_expired(&app.platform.db, now, edge_auth::store::PURGE_LIMITS))
        .unwrap();
    assert_eq!(app.platform.db.rows("SELECT id FROM workos_events"), vec![json!(["event_01NEW"])]);
}

#[test]
fn a_deleted_user_s_mcp_client_is_refused_too() {
    let app = spawn_app_with(&[("WORKOS_WEBHOOK_SECRET", SECRET), ("AUTHKIT_DOMAIN", AUTHKIT)]);
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    let token = app.token(json!({ "iss": AUTHKIT, "sub": "user_mia", "aud": "https://edge.test/mcp",
        "client_id": "client_mcp", "scope": "read write", "jti": random_jti() }));
    let whoami = || {
        let message = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": { "name": "whoami", "arguments": {} } });
        app.send(
            ApiRequest::new(Method::Post, "/mcp")
                .with_json(&message)
                .with_header("authorization", &format!("Bearer {token}")),
        )
    };
    let before = whoami();
    assert_eq!(before.json_body()["result"]["isError"], json!(false), "{}", body_text(&before));
    applied(
        &deliver(
            &app,
            &event("event_01MIA", "user.deleted", user("user_mia", "mia@example.com", "2026-11-22T00:00:00.000Z")),
        ),
        "event_01MIA",
        false,
    );
    let after = whoami().json_body()["result"].clone();
    assert_eq!(after["isError"], json!(true), "{after}");
    assert_eq!(after["structuredContent"]["error"]["code"], "user_deleted", "{after}");
    assert_eq!(after["structuredContent"]["status"], 403, "{after}");
}

// ---------------------------------------------------------------- the events API as backstop

fn sync(app: &TestApp) -> Result<Synced, SyncFailed> {
    futures::executor::block_on(sync_events(&app.platform, &app.config))
}

#[test]
fn the_scheduled_sync_applies_what_the_webhooks_missed_once_and_goes_on_from_where_it_stopped() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    // WorkOS has three events; the worker was told of none.
    app.platform.workos.events.borrow_mut().extend([
        event("event_01A", "user.updated", user("user_bob", "bob@new.example", "2026-11-22T00:00:01.000Z")),
        event("event_01B", "organization.created", json!({ "object": "organization", "id": "org_01" })),
        event("event_01C", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:02.000Z")),
    ]);
    assert_eq!(sync(&app), Ok(Synced { events: 2, finished: true }), "only the types it acts on are asked for");
    let query = app.platform.workos.event_queries.borrow()[0].clone();
    assert!(query.starts_with("events=session.revoked&events=user.deleted&events=user.updated&"), "{query}");
    assert!(query.contains("order=asc") && !query.contains("after="), "{query}");
    assert_eq!(error_code(&app.get("/v1/me", Some(&ada.token))), "user_deleted");
    assert_eq!(app.get("/v1/me", Some(&bob.token)).json_body()["user"]["email"], "bob@new.example");

    // The next run asks only for what came after, and a late webhook of an applied event is a
    // duplicate: both paths share the records.
    assert_eq!(sync(&app), Ok(Synced { events: 0, finished: true }));
    assert!(app.platform.workos.event_queries.borrow()[1].contains("after=event_01C"));
    let late = event("event_01C", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:02.000Z"));
    applied(&deliver(&app, &late), "event_01C", true);

    // A backlog is read 100 events a run, and the rest at the next one.
    let revoked = |i: usize| {
        event(
            &format!("event_02{i:03}"),
            "session.revoked",
            json!({ "object": "session", "id": format!("session_{i}") }),
        )
    };
    app.platform.workos.events.borrow_mut().extend((0..120).map(revoked));
    assert_eq!(sync(&app), Ok(Synced { events: 100, finished: false }));
    assert_eq!(sync(&app), Ok(Synced { events: 20, finished: true }));
    assert_eq!(app.platform.db.count("workos_events"), 2 + 120);
}

#[test]
fn an_event_the_sync_cannot_read_is_skipped_and_an_outage_loses_nothing() {
    let app = spawn();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.platform.workos.events.borrow_mut().extend([
        event("event_01A", "user.updated", json!({ "object": "user", "id": "user_ada" })),
        event("event_01B", "user.deleted", user("user_ada", "ada@example.com", "2026-11-22T00:00:02.000Z")),
    ]);
    app.platform.workos.outage.set(Outage::Unavailable);
    assert!(matches!(sync(&app), Err(SyncFailed::Workos(_))));
    assert_eq!(app.get("/v1/me", Some(&ada.token)).status, 200, "nothing applied, nothing skipped");
    app.platform.workos.outage.set(Outage::None);
    assert_eq!(sync(&app), Ok(Synced { events: 2, finished: true }));
    assert_eq!(error_code(&app.get("/v1/me", Some(&ada.token))), "user_deleted", "the event after the unreadable one");
    assert_eq!(app.platform.db.count("workos_events"), 1, "the unreadable one is not recorded");
}
