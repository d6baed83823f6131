//! `POST /v1/auth/web/callback`: first sign-in provisioning, returning sign-ins, replays.

use serde_json::{json, Value};

use crate::helpers::*;

fn assert_one_of_everything(app: &TestApp) {
    let db = &app.platform.db;
    assert_eq!(
        [
            db.count("users"),
            db.count("workspaces"),
            db.count("memberships"),
            db.count("api_keys"),
            db.count("audit_events")
        ],
        [1, 1, 1, 1, 3]
    );
}

#[test]
fn a_first_sign_in_provisions_a_personal_workspace() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "Ada.Lovelace@example.com");
    let response = app.callback(&token);
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.body));
    let body = response.json_body();
    assert_eq!(body["user"]["id"], "user_ada");
    assert_eq!(body["user"]["email"], "Ada.Lovelace@example.com");
    assert_eq!(body["workspace"]["slug"], "ada-lovelace");
    assert_eq!(body["workspace"]["name"], "Ada.Lovelace's workspace");
    assert_eq!(body["membership"]["role"], "owner");
    assert_eq!(body["membership"]["workspace_id"], body["workspace"]["id"]);
    let secret = body["default_api_key"]["secret"].as_str().unwrap();
    assert!(secret.starts_with(body["default_api_key"]["api_key"]["prefix"].as_str().unwrap()));
    assert_eq!(body["default_api_key"]["api_key"]["scopes"], json!(["read", "write"]));
    assert_one_of_everything(&app);
    let actions =
        app.platform.db.scalar("SELECT group_concat(action, ',') FROM (SELECT action FROM audit_events ORDER BY seq)");
    assert_eq!(actions, json!("workspace.created,membership.created,api_key.created"));
    // Only an HMAC of the key is stored, and the stored answer is its template (the answer with
    // the secret left empty, its quotes stored as DEL) beside the secret sealed.
    let stored = app.platform.db.scalar("SELECT secret_hmac FROM api_keys");
    assert!(!stored.as_str().unwrap().contains(secret));
    let [row] = &app.platform.db.rows("SELECT body, sealed_body, answer_template FROM callback_replays")[..] else {
        panic!("one stored answer")
    };
    let (sealed, template) = (row[1].as_str().unwrap(), row[2].as_str().unwrap());
    assert!(row[0].is_null() && !sealed.contains(secret) && !template.contains(secret), "no plaintext secret at rest");
    let mut without_secret = body.clone();
    without_secret["default_api_key"]["secret"] = json!("");
    assert!(!template.contains('"'), "crosses from D1 without an escape: {template}");
    assert_eq!(serde_json::from_slice::<Value>(template.replace('\u{7f}', "\"").as_bytes()).unwrap(), without_secret);
}

/// A first sign-in whose stored record `older` rewrites (an UPDATE of `callback_replays`, given the
/// app and the first answer's body) into a form stored before replays byte for byte: read by this
/// isolate's one-statement replay, then by a new isolate's whole sign-in batch.
fn assert_an_older_record_replays_byte_for_byte(older: impl FnOnce(&TestApp, &[u8]) -> String) {
    let mut app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let first = app.callback(&token);
    assert_eq!(first.status, 201);
    app.platform.db.scalar(&older(&app, &first.body));
    for _ in 0..2 {
        let replay = app.callback(&token);
        assert_eq!((replay.status, &replay.body), (first.status, &first.body));
        app.isolate = edge_auth::app::Isolate::default();
    }
    assert_one_of_everything(&app);
}

#[test]
fn an_answer_stored_with_a_base64url_template_still_replays_byte_for_byte() {
    // The template as first sign-ins stored it for part of 2026-12-03: its JSON as base64url.
    assert_an_older_record_replays_byte_for_byte(|app, _| {
        let stored = app.platform.db.scalar("SELECT answer_template FROM callback_replays");
        let json = stored.as_str().unwrap().replace('\u{7f}', "\"");
        let base64url = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, json);
        format!("UPDATE callback_replays SET answer_template = '{base64url}' RETURNING 1")
    });
}

#[test]
fn an_answer_stored_whole_sealed_before_migration_0012_still_replays_byte_for_byte() {
    // The record as a first sign-in stored it until 0012: the whole answer sealed under its key.
    assert_an_older_record_replays_byte_for_byte(|app, first| {
        let key = app.platform.db.scalar("SELECT idempotency_key FROM callback_replays");
        let whole = edge_auth::crypto::sealing::seal(app.config.peppers.current(), key.as_str().unwrap(), first);
        format!("UPDATE callback_replays SET sealed_body = '{whole}', answer_template = NULL RETURNING 1")
    });
}

#[test]
fn a_first_sign_in_is_one_round_trip() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    assert_eq!(app.callback(&token).status, 201);
    assert_eq!(app.platform.db.round_trips.get(), 1, "one batch reads, decides and provisions");
}

#[test]
fn a_replay_gets_the_identical_answer_and_changes_nothing() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let first = app.callback(&token);
    app.advance_seconds(5);
    let trips = app.platform.db.round_trips.get();
    let replay = app.callback(&token);
    assert_eq!(app.platform.db.round_trips.get() - trips, 1, "a replay is one round trip");
    assert_eq!((replay.status, &replay.body), (first.status, &first.body));
    assert_one_of_everything(&app);
    assert_eq!(app.platform.db.scalar("SELECT last_seen_at FROM users"), json!(START_MS));
}

#[test]
fn a_returning_sign_in_updates_the_user_and_returns_no_key() {
    let app = spawn_app();
    let first = app.callback(&app.sign_in_token("user_ada", "ada@example.com")).json_body();
    app.advance_seconds(60);
    let trips = app.platform.db.round_trips.get();
    let second = app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    assert_eq!(app.platform.db.round_trips.get() - trips, 1, "a returning sign-in is one round trip");
    assert_eq!(second.status, 200);
    let body = second.json_body();
    assert_eq!(body["workspace"], first["workspace"]);
    assert_eq!(body["membership"], first["membership"]);
    assert_eq!(body["default_api_key"], json!(null));
    assert_eq!(body["user"]["created_at"], first["user"]["created_at"]);
    assert_eq!(body["user"]["last_seen_at"], "2026-11-22T00:01:00.000Z");
    assert_one_of_everything(&app);
}

#[test]
fn a_returning_sign_in_replays_identically_too() {
    let app = spawn_app();
    app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let second = app.callback(&token);
    app.advance_seconds(10);
    let replay = app.callback(&token);
    assert_eq!((replay.status, &replay.body), (second.status, &second.body));
}

#[test]
fn an_email_change_at_workos_reaches_the_user_record() {
    let app = spawn_app();
    app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    let soon = app.callback(&app.sign_in_token("user_ada", "ada@newmail.example"));
    assert_eq!(soon.json_body()["user"]["email"], "ada@example.com", "WorkOS's answer is reused for a few minutes");
    app.advance_seconds(301);
    let response = app.callback(&app.sign_in_token("user_ada", "ada@newmail.example"));
    assert_eq!(response.json_body()["user"]["email"], "ada@newmail.example");
    assert_eq!(app.platform.db.scalar("SELECT email FROM users"), json!("ada@newmail.example"));
}

#[test]
fn two_tokens_of_one_new_user_provision_once() {
    let app = spawn_app();
    let tab_one = app.sign_in_token("user_ada", "ada@example.com");
    let tab_two = app.sign_in_token("user_ada", "ada@example.com");
    let one = app.callback(&tab_one).json_body();
    let two = app.callback(&tab_two).json_body();
    assert_eq!(one["workspace"]["id"], two["workspace"]["id"]);
    assert_eq!(one["membership"]["id"], two["membership"]["id"]);
    assert_one_of_everything(&app);
}

#[test]
fn concurrent_callbacks_interleaved_at_every_step_provision_once() {
    // Interleave two first sign-ins at the storage level: both see "no user" before either writes.
    let app = spawn_app();
    let first = app.sign_in_token("user_ada", "ada@example.com");
    let second = app.sign_in_token("user_ada", "ada@example.com");
    let same = first.clone();
    let responses = futures::executor::block_on(async {
        let a = app.callback_async(&first);
        let b = app.callback_async(&second);
        let c = app.callback_async(&same);
        futures::join!(a, b, c)
    });
    let bodies: Vec<_> = [&responses.0, &responses.1, &responses.2].iter().map(|r| r.json_body()).collect();
    assert!(
        bodies.iter().all(|b| b["workspace"]["id"] == bodies[0]["workspace"]["id"]),
        "{bodies:#?} {:?}",
        [responses.0.status, responses.1.status, responses.2.status]
    );
    assert_eq!(responses.0.body, responses.2.body, "the same token got the same answer");
    assert_one_of_everything(&app);
}

#[test]
fn a_taken_slug_gets_a_suffix() {
    let app = spawn_app();
    app.callback(&app.sign_in_token("user_1", "ada@example.com"));
    let response = app.callback(&app.sign_in_token("user_2", "ada@other.example")).json_body();
    let slug = response["workspace"]["slug"].as_str().unwrap();
    assert!(slug.starts_with("ada-") && slug.len() == "ada-".len() + 6, "{slug}");
    assert_eq!(app.platform.db.scalar("SELECT slug FROM workspaces WHERE personal_owner_id = 'user_2'"), json!(slug));
}

#[test]
fn blank_jti_and_sid_are_refused() {
    let app = spawn_app();
    app.platform.workos.users.borrow_mut().insert("user_ada".into(), "ada@example.com".into());
    for claims in [json!({ "sub": "user_ada", "jti": "", "sid": " " }), json!({ "sub": "user_ada", "jti": null })] {
        let response = app.callback(&app.token(claims));
        assert_eq!((response.status, error_code(&response).as_str()), (401, "not_authenticated"));
    }
    assert_eq!(app.platform.db.count("users"), 0);
}

#[test]
fn sid_alone_is_an_idempotency_key() {
    let app = spawn_app();
    app.platform.workos.users.borrow_mut().insert("user_ada".into(), "ada@example.com".into());
    let token = app.token(json!({ "sub": "user_ada", "sid": "session_1" }));
    let first = app.callback(&token);
    assert_eq!(first.status, 201);
    assert_eq!(app.callback(&token).body, first.body);
    // Once the first answer has expired, the session's next token is a returning sign-in whose
    // plain answer takes the key over (no template or sealed secret of the first is left).
    app.advance_seconds(1_000);
    let later = app.token(json!({ "sub": "user_ada", "sid": "session_1" }));
    let returning = app.callback(&later);
    assert_eq!((returning.status, &returning.json_body()["default_api_key"]), (200, &Value::Null));
    assert_eq!(app.callback(&later).body, returning.body);
    assert_eq!(
        app.platform.db.rows("SELECT sealed_body, seal_kid, answer_template FROM callback_replays"),
        [json!([null, null, null])]
    );
}

#[test]
fn without_an_email_nothing_is_written() {
    let app = spawn_app_with(&[("WORKOS_API_KEY", "")]);
    let response = app.callback(&app.token(json!({ "sub": "user_ada", "jti": "j1" })));
    assert_eq!((response.status, error_code(&response).as_str()), (422, "email_unavailable"));
    assert_eq!(app.platform.db.count("users"), 0);
    // The email claim (AuthKit JWT template) is used when no API key is configured.
    let response = app.callback(&app.token(json!({ "sub": "user_ada", "jti": "j2", "email": "ada@example.com" })));
    assert_eq!(response.status, 201);
}

#[test]
fn a_user_unknown_to_workos_is_refused() {
    let app = spawn_app();
    let response = app.callback(&app.token(json!({ "sub": "user_ghost", "jti": "j1" })));
    assert_eq!((response.status, error_code(&response).as_str()), (422, "email_unavailable"));
    assert_eq!(app.platform.db.count("users"), 0);
}

#[test]
fn workos_unreachable_is_a_503_and_writes_nothing() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200); // JWKS cached
    app.platform.workos.outage.set(Outage::Unavailable);
    let response = app.callback(&token);
    assert_eq!((response.status, error_code(&response).as_str()), (503, "workos_unavailable"));
    assert_eq!(app.platform.db.count("users"), 0);
}

#[test]
fn a_replay_is_answered_while_workos_is_down() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let first = app.callback(&token);
    app.platform.workos.outage.set(Outage::Timeout);
    let replay = app.callback(&token);
    assert_eq!((replay.status, &replay.body), (first.status, &first.body));
}

#[test]
fn a_failure_in_the_middle_of_provisioning_leaves_no_rows() {
    let app = spawn_app();
    app.platform.db.connection
        .execute_batch("CREATE TRIGGER fail_keys BEFORE INSERT ON api_keys BEGIN SELECT RAISE(ABORT, 'D1 DB is overloaded. Too many requests queued.'); END;")
        .unwrap();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let response = app.callback(&token);
    assert_eq!((response.status, error_code(&response).as_str()), (503, "storage_unavailable"));
    for table in ["users", "workspaces", "memberships", "api_keys", "audit_events", "callback_replays"] {
        assert_eq!(app.platform.db.count(table), 0, "{table}");
    }
    app.platform.db.connection.execute_batch("DROP TRIGGER fail_keys;").unwrap();
    assert_eq!(app.callback(&token).status, 201);
    assert_one_of_everything(&app);
}

#[test]
fn expired_answers_are_ignored_and_purged() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    app.callback(&token);
    app.advance_seconds(3600);
    let purged = futures::executor::block_on(edge_auth::store::purge_expired(
        &app.platform.db,
        app.platform.now.get(),
        edge_auth::store::PURGE_LIMITS,
    ))
    .unwrap();
    assert_eq!(purged, edge_auth::store::Purged { rows: 1, finished: true });
    assert_eq!(app.platform.db.count("callback_replays"), 0);
    assert_eq!(app.platform.db.count("users"), 1);
}

#[test]
fn an_invalid_token_writes_nothing() {
    let app = spawn_app();
    let response = app.callback("not-a-token");
    assert_eq!(response.status, 401);
    assert_eq!(app.platform.db.count("users"), 0);
}

// ------------------------------------------------------------------ WorkOS calls and verified emails

#[test]
fn replays_and_repeated_sign_ins_within_minutes_make_no_workos_call() {
    let app = spawn_app();
    let token = app.sign_in_token("user_ada", "ada@example.com");
    assert_eq!(app.callback(&token).status, 201);
    assert_eq!(app.platform.workos.user_requests.get(), 1);
    for _ in 0..5 {
        assert_eq!(app.callback(&token).status, 201, "a replay");
        assert_eq!(app.callback(&app.sign_in_token("user_ada", "ada@example.com")).status, 200, "another tab");
    }
    assert_eq!(app.platform.workos.user_requests.get(), 1, "isolate memory");
    // Another isolate reads what this one stored in KV.
    let isolate = edge_auth::app::Isolate::default();
    let other = edge_auth::app::App::new(&app.platform, &app.config, &isolate);
    let request = edge_auth::http::ApiRequest::new(edge_auth::http::Method::Post, "/v1/auth/web/callback")
        .with_header("authorization", &format!("Bearer {}", app.sign_in_token("user_ada", "ada@example.com")));
    let round_trips = app.round_trips();
    assert_eq!(futures::executor::block_on(edge_auth::routes::handle(&other, &request)).status, 200);
    assert_eq!(app.platform.workos.user_requests.get(), 1, "KV");
    assert_eq!(app.round_trips() - round_trips, 1, "still one D1 round trip");
    app.advance_seconds(301);
    assert_eq!(app.callback(&app.sign_in_token("user_ada", "ada@example.com")).status, 200);
    assert_eq!(app.platform.workos.user_requests.get(), 2, "asked again once the cache expired");
}

#[test]
fn without_the_cache_every_sign_in_asks_workos_and_a_replay_needs_no_email() {
    let app = spawn_app_with(&[("WORKOS_USER_CACHE_SECONDS", "0")]);
    let tokens: Vec<String> = (0..3).map(|_| app.sign_in_token("user_ada", "ada@example.com")).collect();
    for token in &tokens {
        app.callback(token);
    }
    assert_eq!(app.platform.workos.user_requests.get(), 3);
    let round_trips = app.round_trips();
    let replayed = app.callback(&tokens[1]);
    assert_eq!(replayed.status, 200);
    assert_eq!(app.platform.workos.user_requests.get(), 3, "a replay's answer is stored: no email needed");
    assert_eq!(app.round_trips() - round_trips, 1, "one statement reads it");
}

#[test]
fn whether_workos_verified_the_email_is_recorded_at_each_sign_in() {
    let app = spawn_app_with(&[("WORKOS_USER_CACHE_SECONDS", "0")]);
    app.platform.workos.unverified.borrow_mut().insert("user_ada".into());
    app.sign_in("user_ada", "ada@example.com");
    assert_eq!(app.platform.db.scalar("SELECT email_verified FROM users"), json!(0));
    app.platform.workos.unverified.borrow_mut().clear();
    app.sign_in("user_ada", "ada@example.com");
    assert_eq!(app.platform.db.scalar("SELECT email_verified FROM users"), json!(1));
}

#[test]
fn an_email_from_the_token_counts_as_verified_only_with_email_verified_true() {
    let app = spawn_app_with(&[("WORKOS_API_KEY", "")]);
    let cases = [
        ("user_a", json!({ "email": "a@example.com" }), 0),
        ("user_b", json!({ "email": "b@example.com", "email_verified": false }), 0),
        ("user_c", json!({ "email": "c@example.com", "email_verified": true }), 1),
    ];
    for (user, claims, verified) in cases {
        let mut claims = claims;
        claims["sub"] = json!(user);
        claims["jti"] = json!(random_jti());
        assert_eq!(app.callback(&app.token(claims)).status, 201, "{user}");
        let stored = app.platform.db.scalar(&format!("SELECT email_verified FROM users WHERE id = '{user}'"));
        assert_eq!(stored, json!(verified), "{user}");
    }
    assert_eq!(app.platform.workos.user_requests.get(), 0);
}

#[test]
fn the_answer_sqlite_builds_for_a_returning_sign_in_is_the_views_serialisation() {
    let app = spawn_app();
    let first = app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    assert_eq!(first.status, 201);
    app.advance_seconds(90);
    let returning = app.callback(&app.sign_in_token("user_ada", "ada@example.com"));
    assert_eq!(returning.status, 200);
    // The first answer is the typed view's serialisation; a returning one differs from it only
    // in when the user was last seen and in having no key to show.
    let mut expected = first.json_body();
    expected["user"]["last_seen_at"] = json!("2026-11-22T00:01:30.000Z");
    expected["default_api_key"] = Value::Null;
    assert_eq!(returning.json_body(), expected);
}
