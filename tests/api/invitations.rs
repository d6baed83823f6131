//! `/v1/orgs/{org}/invitations`: inviting an email address, the acceptance at the invitee's
//! sign-in (SQL inside the sign-in's own statement), replacing, expiry, revocation, the grant rule.

use edge_auth::http::{ApiResponse, Method};
use edge_auth::store::invitations::InvitationState;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::openapi::{conforms, document};

/// `acme`, owned by ada, with bob as admin.
fn acme() -> (TestApp, SignedIn, SignedIn) {
    let app = spawn_app_with(&[("WORKOS_USER_CACHE_SECONDS", "0")]);
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.add_member(&ada.token, "acme", "user_bob", "admin");
    (app, ada, bob)
}

/// Sends the request and holds its answer to the OpenAPI document.
fn call(app: &TestApp, method: Method, path: &str, bearer: &str, body: Option<Value>) -> ApiResponse {
    let response = app.call(method, path, Some(bearer), body.as_ref());
    conforms(&document(), method, path, &response);
    response
}

fn invite(app: &TestApp, bearer: &str, body: Value) -> ApiResponse {
    call(app, Method::Post, "/v1/orgs/acme/invitations", bearer, Some(body))
}

/// The user's role in acme, or null.
fn role_in_acme(app: &TestApp, user_id: &str) -> Value {
    app.platform.db.scalar(&format!(
        "SELECT (SELECT role FROM memberships WHERE user_id = '{user_id}' \
         AND workspace_id = (SELECT id FROM workspaces WHERE slug = 'acme'))"
    ))
}

fn acme_id(app: &TestApp) -> String {
    app.platform.db.scalar("SELECT id FROM workspaces WHERE slug = 'acme'").as_str().unwrap().to_owned()
}

fn acme_version(app: &TestApp) -> Value {
    app.platform.db.scalar("SELECT version FROM workspaces WHERE slug = 'acme'")
}

#[test]
fn an_invited_email_joins_with_its_role_at_its_first_sign_in() {
    let (app, _, bob) = acme();
    let response = invite(&app, &bob.token, json!({ "email": " Cy@Example.com ", "role": "admin" }));
    assert_eq!(response.status, 201, "{}", body_text(&response));
    let invitation = response.json_body();
    let id = invitation["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("inv_"));
    assert_eq!(
        invitation,
        json!({
            "id": id, "email": "Cy@Example.com", "role": "admin", "state": "pending",
            "invited_by": { "type": "user", "id": "user_bob" },
            "created_at": "2026-11-22T00:00:00.000Z", "expires_at": "2026-11-29T00:00:00.000Z",
            "accepted_at": null, "accepted_by": null, "revoked_at": null,
            "sign_up_url": "/v1/auth/login?screen_hint=sign-up&login_hint=Cy%40Example.com",
        })
    );
    assert_eq!(response.header("location"), Some(format!("/v1/orgs/{}/invitations/{id}", acme_id(&app)).as_str()));
    let read = call(&app, Method::Get, &format!("/v1/orgs/acme/invitations/{id}"), &bob.token, None);
    assert_eq!(read.json_body(), invitation);
    let version = acme_version(&app);
    // Cy signs up (any case of the address) and, in the same sign-in, is a member.
    app.advance_seconds(60);
    let cy = app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), json!("admin"));
    assert_ne!(acme_version(&app), version, "a member changed: decisions read before are stale");
    assert_eq!(call(&app, Method::Get, "/v1/orgs/acme", &cy.token, None).status, 200);
    let list = call(&app, Method::Get, "/v1/orgs/acme/invitations", &bob.token, None).json_body();
    assert_eq!(list["data"][0]["state"], "accepted");
    assert_eq!(list["data"][0]["accepted_by"], "user_cy");
    assert_eq!(list["data"][0]["accepted_at"], "2026-11-22T00:01:00.000Z");
    assert_eq!(list["data"][0]["sign_up_url"], Value::Null);
    let events = app.platform.db.rows(
        "SELECT action, actor_type, actor_id, target_type, json_extract(detail, '$.invitation_id') FROM audit_events \
         WHERE workspace_id = (SELECT id FROM workspaces WHERE slug = 'acme') ORDER BY seq DESC LIMIT 2",
    );
    assert_eq!(events[0], json!(["membership.created", "user", "user_bob", "membership", id]), "the inviter's doing");
    assert_eq!(events[1], json!(["invitation.created", "user", "user_bob", "invitation", null]));
    // A later sign-in changes nothing more.
    let before = app.snapshot();
    app.advance_seconds(60);
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(app.platform.db.count("memberships"), before[2].len() as i64);
}

#[test]
fn the_invitee_joins_at_a_returning_sign_in_once_their_email_is_verified() {
    let (app, ada, _) = acme();
    app.platform.workos.unverified.borrow_mut().insert("user_cy".into());
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member" })).status, 201);
    // Someone who signed up with the address unverified does not join: they may not own it.
    app.advance_seconds(60);
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), Value::Null);
    app.platform.workos.unverified.borrow_mut().clear();
    app.advance_seconds(60);
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), json!("member"));
}

#[test]
fn someone_who_signed_in_already_with_the_email_joins_at_once() {
    let (app, ada, _) = acme();
    app.sign_in("user_cy", "cy@example.com");
    let response = invite(&app, &ada.token, json!({ "email": "CY@example.com", "role": "member" }));
    assert_eq!(response.status, 201, "{}", body_text(&response));
    assert_eq!(
        (response.json_body()["state"].clone(), response.json_body()["accepted_by"].clone()),
        (json!("accepted"), json!("user_cy"))
    );
    assert_eq!(role_in_acme(&app, "user_cy"), json!("member"));
    let event = &app.platform.db.rows("SELECT action, actor_id FROM audit_events ORDER BY seq DESC LIMIT 1")[0];
    assert_eq!(event, &json!(["membership.created", "user_ada"]), "the inviter added them");
    // A member already: refused, nothing written.
    let before = app.snapshot();
    let response = invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "admin" }));
    assert_eq!((response.status, error_code(&response).as_str()), (409, "already_member"));
    assert_eq!(app.snapshot(), before);
}

#[test]
fn inviting_an_email_again_replaces_its_open_invitation() {
    let (app, ada, _) = acme();
    let first = invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member" })).json_body();
    app.advance_seconds(60);
    // 1.0 is the integer 1, as JSON Schema reads it.
    let second =
        invite(&app, &ada.token, json!({ "email": "Cy@example.com", "role": "admin", "expires_in_days": 1.0 }));
    assert_eq!(second.status, 201);
    let second = second.json_body();
    assert_eq!(second["expires_at"], "2026-11-23T00:01:00.000Z");
    let list = call(&app, Method::Get, "/v1/orgs/acme/invitations", &ada.token, None).json_body();
    let states: Vec<_> =
        list["data"].as_array().unwrap().iter().map(|i| (i["id"].clone(), i["state"].clone())).collect();
    assert_eq!(states, vec![(first["id"].clone(), json!("revoked")), (second["id"].clone(), json!("pending"))]);
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), json!("admin"), "the open one decides");
}

#[test]
fn an_expired_invitation_is_not_accepted_and_can_be_made_again() {
    let (app, ada, _) = acme();
    let invitation =
        invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member", "expires_in_days": 2 }));
    let id = invitation.json_body()["id"].as_str().unwrap().to_owned();
    app.advance_seconds(2 * 86_400);
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), Value::Null);
    let list = call(&app, Method::Get, "/v1/orgs/acme/invitations", &ada.token, None).json_body();
    assert_eq!(list["data"][0]["state"], "expired");
    // Revoking it changes nothing; inviting again replaces it, and it stays expired.
    let before = app.snapshot();
    assert_eq!(call(&app, Method::Delete, &format!("/v1/orgs/acme/invitations/{id}"), &ada.token, None).status, 204);
    assert_eq!(app.snapshot(), before);
    // Cy has signed in since, so the new invitation is accepted at once.
    let again = invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member" }));
    assert_eq!(again.json_body()["state"], "accepted");
    assert_eq!(role_in_acme(&app, "user_cy"), json!("member"));
    let list = call(&app, Method::Get, "/v1/orgs/acme/invitations", &ada.token, None).json_body();
    assert_eq!(list["data"][0]["state"], "expired");
}

#[test]
fn a_revoked_invitation_is_not_accepted_and_an_accepted_one_cannot_be_revoked() {
    let (app, _, bob) = acme();
    let cy = invite(&app, &bob.token, json!({ "email": "cy@example.com", "role": "member" })).json_body();
    let dee = invite(&app, &bob.token, json!({ "email": "dee@example.com", "role": "member" })).json_body();
    let path = |invitation: &Value| format!("/v1/orgs/acme/invitations/{}", invitation["id"].as_str().unwrap());
    assert_eq!(call(&app, Method::Delete, &path(&cy), &bob.token, None).status, 204);
    let events = app.platform.db.count("audit_events");
    assert_eq!(call(&app, Method::Delete, &path(&cy), &bob.token, None).status, 204);
    assert_eq!(app.platform.db.count("audit_events"), events, "no second event");
    app.sign_in("user_cy", "cy@example.com");
    assert_eq!(role_in_acme(&app, "user_cy"), Value::Null);
    app.sign_in("user_dee", "dee@example.com");
    let response = call(&app, Method::Delete, &path(&dee), &bob.token, None);
    assert_eq!((response.status, error_code(&response).as_str()), (409, "invitation_accepted"));
    for method in [Method::Delete, Method::Get] {
        let response = call(&app, method, "/v1/orgs/acme/invitations/inv_none", &bob.token, None);
        assert_eq!((response.status, error_code(&response).as_str()), (404, "invitation_not_found"));
    }
    let event = &app.platform.db.rows("SELECT action, target_id FROM audit_events WHERE action = 'invitation.revoked'");
    assert_eq!(event, &vec![json!(["invitation.revoked", cy["id"]])]);
    // The trail, invitations' events and their acceptance among them, is as the document says.
    let trail = call(&app, Method::Get, "/v1/orgs/acme/events?limit=100", &bob.token, None).json_body();
    let actions: Vec<&str> = trail["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"invitation.created") && actions.contains(&"invitation.revoked"), "{actions:?}");
}

#[test]
fn inviting_follows_the_grant_rule_of_adding_a_member() {
    let (app, ada, bob) = acme();
    let cy = app.sign_in("user_cy", "cy@example.com");
    app.add_member(&ada.token, "acme", "user_cy", "member");
    let (full_key, _) = app.create_key(&ada.token, "acme", &["read", "write", "keys"]);
    let (write_key, _) = app.create_key(&ada.token, "acme", &["read", "write"]);
    let events = app.platform.db.count("audit_events");
    let refused = |bearer: &str, role: &str| {
        let response = invite(&app, bearer, json!({ "email": "new@example.com", "role": role }));
        (response.status, error_code(&response))
    };
    assert_eq!(refused(&cy.token, "member"), (403, "insufficient_role".into()), "a member invites nobody");
    assert_eq!(refused(&bob.token, "owner"), (403, "insufficient_role".into()), "only owners make owners");
    assert_eq!(refused(&write_key, "admin"), (403, "insufficient_scope".into()), "admin needs every scope");
    assert_eq!(refused(&full_key, "owner"), (403, "insufficient_role".into()), "a key never grants owner");
    assert_eq!(app.platform.db.count("invitations"), 0);
    assert_eq!(app.platform.db.count("audit_events"), events);
    assert_eq!(invite(&app, &write_key, json!({ "email": "new@example.com", "role": "member" })).status, 201);
    let owner = invite(&app, &ada.token, json!({ "email": "boss@example.com", "role": "owner" })).json_body();
    // An invitation to owner is an owner's to replace or revoke.
    let response = invite(&app, &bob.token, json!({ "email": "boss@example.com", "role": "member" }));
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_role"));
    let path = format!("/v1/orgs/acme/invitations/{}", owner["id"].as_str().unwrap());
    let response = call(&app, Method::Delete, &path, &bob.token, None);
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_role"));
    // Members read the invitations, as they read the members; outsiders see no workspace.
    assert_eq!(call(&app, Method::Get, "/v1/orgs/acme/invitations", &cy.token, None).status, 200);
    let dee = app.sign_in("user_dee", "dee@example.com");
    let response = call(&app, Method::Get, "/v1/orgs/acme/invitations", &dee.token, None);
    assert_eq!((response.status, error_code(&response).as_str()), (404, "org_not_found"));
}

#[test]
fn a_bad_invitation_is_refused_and_changes_nothing() {
    let (app, ada, _) = acme();
    let before = app.snapshot();
    for body in [
        json!({ "email": "not an address", "role": "member" }),
        json!({ "email": "cy@example.com", "role": "boss" }),
        json!({ "email": "cy@example.com", "role": "member", "expires_in_days": 0 }),
        json!({ "email": "cy@example.com", "role": "member", "expires_in_days": 31 }),
        json!({ "email": "cy@example.com", "role": "member", "expires_in_days": 2.5 }),
        json!({ "email": "cy@example.com", "role": "member", "expires_in_days": "2" }),
        json!({ "email": "cy@example.com", "role": "member", "expires_in_days": null }),
        json!({ "email": "cy@example.com", "role": "member", "extra": 1 }),
        json!({ "role": "member" }),
    ] {
        let response = invite(&app, &ada.token, body.clone());
        assert_eq!((response.status, error_code(&response).as_str()), (400, "invalid_body"), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn a_deleted_workspace_takes_its_invitations_with_it() {
    let (app, ada, _) = acme();
    invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member" }));
    assert_eq!(call(&app, Method::Delete, "/v1/orgs/acme", &ada.token, None).status, 204);
    assert_eq!(app.platform.db.count("invitations"), 0);
    app.sign_in("user_cy", "cy@example.com");
}

#[test]
fn a_sign_in_with_open_invitations_is_still_one_round_trip() {
    let (app, ada, _) = acme();
    app.create_org(&ada.token, "Beta", "beta");
    invite(&app, &ada.token, json!({ "email": "cy@example.com", "role": "member" }));
    let response = app.call(
        Method::Post,
        "/v1/orgs/beta/invitations",
        Some(&ada.token),
        Some(&json!({ "email": "cy@example.com", "role": "admin" })),
    );
    assert_eq!(response.status, 201);
    let before = app.round_trips();
    let response = app.callback(&app.sign_in_token("user_cy", "cy@example.com"));
    assert_eq!(response.status, 201);
    assert_eq!(app.round_trips() - before, 1);
    let roles = app.platform.db.rows(
        "SELECT w.slug, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.user_id = 'user_cy' ORDER BY w.slug",
    );
    assert_eq!(roles.len(), 3, "{roles:?}");
    assert_eq!(roles[0], json!(["acme", "member"]));
    assert_eq!(roles[1], json!(["beta", "admin"]));
}

#[test]
fn the_scheduled_purge_deletes_invitations_a_month_after_they_expire() {
    let (app, ada, _) = acme();
    invite(&app, &ada.token, json!({ "email": "old@example.com", "role": "member", "expires_in_days": 1 }));
    app.advance_seconds(30 * 86_400);
    let ada = app.sign_in("user_ada", "ada@example.com");
    invite(&app, &ada.token, json!({ "email": "new@example.com", "role": "member" }));
    let purge = || {
        futures::executor::block_on(edge_auth::store::purge_expired(
            &app.platform.db,
            app.platform.now.get(),
            edge_auth::store::PURGE_LIMITS,
        ))
    };
    purge().unwrap();
    assert_eq!(app.platform.db.count("invitations"), 2, "a month after its expiry is not yet over");
    app.advance_seconds(86_400);
    purge().unwrap();
    let left = app.platform.db.rows("SELECT email FROM invitations");
    assert_eq!(left, vec![json!(["new@example.com"])]);
}

/// Every `(expires_at, revoked_at)` against `now` at and around the boundaries, and an accepted
/// invitation: the list's `?state=` (SQL) puts each invitation under the state its view shows
/// (Rust), and under no other.
#[test]
fn the_state_filter_lists_each_invitation_under_the_state_it_shows() {
    let (app, ada, _) = acme();
    let now = app.platform.now.get();
    let day = 86_400_000;
    // (expires_at, revoked_at), relative to now.
    let cases: [(i64, Option<i64>); 9] = [
        (day, None),            // pending
        (1, None),              // pending, a millisecond left
        (0, None),              // expired at this very millisecond
        (-day, None),           // expired
        (day, Some(-day)),      // revoked
        (-day, Some(-2 * day)), // revoked before it expired
        (-day, Some(-day)),     // expired as it was revoked
        (-2 * day, Some(-day)), // revoked after it had expired: expired
        (day, Some(0)),         // revoked this millisecond
    ];
    for (n, (expires_in, revoked)) in cases.iter().enumerate() {
        let id = invite(&app, &ada.token, json!({ "email": format!("case{n}@example.com"), "role": "member" }))
            .json_body()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.platform
            .db
            .connection
            .execute(
                "UPDATE invitations SET expires_at = ?2, revoked_at = ?3 WHERE id = ?1",
                rusqlite::params![id, now + expires_in, revoked.map(|at| now + at)],
            )
            .unwrap();
    }
    app.sign_in("user_dee", "dee@example.com");
    invite(&app, &ada.token, json!({ "email": "dee@example.com", "role": "member" }));

    let ids_and_states = |query: &str| -> Vec<(String, String)> {
        let page = call(&app, Method::Get, &format!("/v1/orgs/acme/invitations?limit=100{query}"), &ada.token, None);
        assert_eq!(page.status, 200, "{query}");
        let page = page.json_body();
        let data = page["data"].as_array().unwrap();
        data.iter().map(|i| (i["id"].as_str().unwrap().to_owned(), i["state"].as_str().unwrap().to_owned())).collect()
    };
    let all = ids_and_states("");
    assert_eq!(all.len(), cases.len() + 1);
    let shown = |state: &str| all.iter().filter(|(_, s)| s == state).cloned().collect::<Vec<_>>();
    let count = |state: &str| shown(state).len();
    assert_eq!([count("pending"), count("accepted"), count("revoked"), count("expired")], [2, 1, 3, 4]);
    for state in ["pending", "accepted", "revoked", "expired"] {
        assert_eq!(ids_and_states(&format!("&state={state}")), shown(state), "state={state}");
    }
}

#[test]
fn the_state_filter_pages_within_itself_and_a_bad_one_is_refused_after_access() {
    let (app, ada, _) = acme();
    for n in 0..3 {
        app.advance_seconds(1); // the list is in the order they were made
        invite(&app, &ada.token, json!({ "email": format!("p{n}@example.com"), "role": "member" }));
        let revoked = invite(&app, &ada.token, json!({ "email": format!("r{n}@example.com"), "role": "member" }));
        let path = format!("/v1/orgs/acme/invitations/{}", revoked.json_body()["id"].as_str().unwrap());
        assert_eq!(call(&app, Method::Delete, &path, &ada.token, None).status, 204);
    }
    let get = |path: &str, bearer: &str| call(&app, Method::Get, path, bearer, None);
    let first = get("/v1/orgs/acme/invitations?state=pending&limit=2", &ada.token).json_body();
    let emails = |page: &Value| -> Vec<String> {
        page["data"].as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(emails(&first), ["p0@example.com", "p1@example.com"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(&format!("/v1/orgs/acme/invitations?state=pending&limit=2&cursor={cursor}"), &ada.token);
    assert_eq!(emails(&second.json_body()), ["p2@example.com"]);
    assert_eq!(second.json_body()["has_more"], false);
    // A filtered list's cursor is not the unfiltered list's, nor another filter's.
    for query in ["", "&state=revoked"] {
        let response = get(&format!("/v1/orgs/acme/invitations?limit=2&cursor={cursor}{query}"), &ada.token);
        assert_eq!((response.status, error_code(&response).as_str()), (400, "cursor_invalid"), "{query}");
    }
    // An unknown state, or two, is the caller's error; but only for a caller who may see the list.
    let stranger = app.sign_in("user_eve", "eve@example.com");
    let before = app.snapshot();
    for query in ["state=open", "state=", "state=Pending", "state=pending&state=revoked"] {
        let response = get(&format!("/v1/orgs/acme/invitations?{query}"), &ada.token);
        assert_eq!((response.status, error_code(&response).as_str()), (400, "invalid_query"), "{query}");
    }
    let response = get("/v1/orgs/acme/invitations?state=open", &stranger.token);
    assert_eq!(response.status, 404);
    assert_eq!(app.snapshot(), before);
}

/// The states the document and the MCP tool list are the ones the API reads and shows.
#[test]
fn the_document_and_the_mcp_tool_name_the_states_the_api_knows() {
    let names: Vec<Value> = InvitationState::ALL.iter().map(|state| json!(state.as_str())).collect();
    let document = document();
    assert_eq!(document["components"]["schemas"]["InvitationState"]["enum"], json!(names));
    let tools: Value = serde_json::from_slice(include_bytes!("../../src/routes/mcp/tools.json")).unwrap();
    let tool = tools.as_array().unwrap().iter().find(|tool| tool["name"] == "list_invitations").unwrap();
    assert_eq!(tool["inputSchema"]["properties"]["state"]["enum"], json!(names));
    let (app, ada, _) = acme();
    let refused = call(&app, Method::Get, "/v1/orgs/acme/invitations?state=open", &ada.token, None);
    assert_eq!(refused.json_body()["error"]["message"], "state is one of pending, accepted, revoked, expired");
}
