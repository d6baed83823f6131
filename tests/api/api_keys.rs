//! `/v1/orgs/{org}/api-keys` and authentication with API keys.

use edge_auth::app::App;
use edge_auth::http::{ApiRequest, Method};
use edge_auth::routes::handle;
use serde_json::json;

use crate::helpers::*;
use crate::openapi::{conforms, document};

#[test]
fn a_created_key_is_shown_once_and_authenticates_within_its_scopes() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let org = &ada.personal_slug;
    let response =
        app.call(Method::Post, &format!("/v1/orgs/{org}/api-keys"), Some(&ada.token), Some(&json!({ "name": " CI " })));
    assert_eq!(response.status, 201, "{}", body_text(&response));
    let body = response.json_body();
    let secret = body["secret"].as_str().unwrap();
    let id = body["api_key"]["id"].as_str().unwrap();
    assert_eq!(
        body["api_key"],
        json!({
            "id": id, "prefix": &secret[..12], "name": "CI", "scopes": ["read"],
            "created_at": "2026-11-22T00:00:00.000Z", "last_used_at": null, "revoked_at": null,
            "expires_at": null,
        })
    );
    assert_eq!(app.get(&format!("/v1/orgs/{org}"), Some(secret)).status, 200);
    let response = app.call(Method::Patch, &format!("/v1/orgs/{org}"), Some(secret), Some(&json!({ "name": "x" })));
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_scope"));
    // Stored only as an HMAC; listed without it.
    let stored = app.platform.db.rows(&format!("SELECT * FROM api_keys WHERE id = '{id}'"));
    assert!(!stored[0].to_string().contains(&secret[16..]));
    let list = app.get(&format!("/v1/orgs/{org}/api-keys"), Some(&ada.token));
    assert!(!body_text(&list).contains(&secret[16..]) && !body_text(&list).contains("hmac"));
    let names: Vec<_> = list.json_body()["data"].as_array().unwrap().iter().map(|k| k["name"].clone()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&json!("CI")) && names.contains(&json!("Default")));
}

#[test]
fn a_revoked_key_is_refused_and_revoking_again_changes_nothing() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let path = format!("/v1/orgs/{}/api-keys/{}", ada.personal_slug, ada.default_key_id);
    app.advance_seconds(3);
    assert_eq!(app.call(Method::Delete, &path, Some(&ada.token), None).status, 204);
    let response = app.get("/v1/me", Some(&ada.default_key));
    assert_eq!((response.status, error_code(&response).as_str()), (401, "api_key_invalid"));
    assert_eq!(response.header("www-authenticate"), Some("Bearer error=\"invalid_token\""));
    let events = app.platform.db.count("audit_events");
    assert_eq!(app.call(Method::Delete, &path, Some(&ada.token), None).status, 204);
    assert_eq!(app.platform.db.count("audit_events"), events, "no second event");
    let list = app.get(&format!("/v1/orgs/{}/api-keys", ada.personal_slug), Some(&ada.token)).json_body();
    assert_eq!(list["data"][0]["revoked_at"], "2026-11-22T00:00:03.000Z");
    let event = app.platform.db.rows("SELECT action, target_id FROM audit_events ORDER BY seq DESC LIMIT 1");
    assert_eq!(event[0], json!(["api_key.revoked", ada.default_key_id]));
}

#[test]
fn a_key_made_to_expire_is_refused_from_then_on_and_stays_listed() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let org = &ada.personal_slug;
    let keys = format!("/v1/orgs/{org}/api-keys");
    let create = |body: serde_json::Value| app.call(Method::Post, &keys, Some(&ada.token), Some(&body));
    let made = create(json!({ "name": "ci", "scopes": ["read"], "expires_in_days": 2 }));
    conforms(&document(), Method::Post, &keys, &made);
    let made = made.json_body();
    assert_eq!(made["api_key"]["expires_at"], "2026-11-24T00:00:00.000Z");
    let secret = made["secret"].as_str().unwrap().to_owned();
    let id = made["api_key"]["id"].as_str().unwrap().to_owned();
    let detail = app
        .platform
        .db
        .scalar(&format!("SELECT json_extract(detail, '$.expires_at') FROM audit_events WHERE target_id = '{id}'"));
    assert_eq!(detail, json!("2026-11-24T00:00:00.000Z"), "the audit trail says how long it was given");
    // JSON Schema's integers include `1.0`.
    let whole = create(json!({ "name": "one day", "expires_in_days": 1.0 }));
    assert_eq!(whole.json_body()["api_key"]["expires_at"], "2026-11-23T00:00:00.000Z", "{}", body_text(&whole));

    app.advance_seconds(2 * 86_400 - 1);
    assert_eq!(app.get("/v1/me", Some(&secret)).status, 200, "live until its last millisecond");
    let last_used = || app.platform.db.scalar(&format!("SELECT last_used_at FROM api_keys WHERE id = '{id}'"));
    let used = last_used();
    app.advance_seconds(1);
    for path in ["/v1/me".to_owned(), format!("/v1/orgs/{org}")] {
        let refused = app.get(&path, Some(&secret));
        assert_eq!((refused.status, error_code(&refused).as_str()), (401, "api_key_expired"), "{path}");
        assert_eq!(refused.header("www-authenticate"), Some("Bearer error=\"invalid_token\""));
        conforms(&document(), Method::Get, &path, &refused);
    }
    app.advance_seconds(60);
    assert_eq!(error_code(&app.get("/v1/me", Some(&secret))), "api_key_expired");
    assert_eq!(last_used(), used, "an expired key's use is not recorded, a minute on either");
    // A forged credential for the expired key learns nothing of its expiry.
    let forged = format!("{}{}", &secret[..secret.len() - 4], if secret.ends_with("AAAA") { "BBBB" } else { "AAAA" });
    assert_eq!(error_code(&app.get("/v1/me", Some(&forged))), "api_key_invalid");
    // It stays listed with its expiry, and revoking it still works (with a token of today: Ada's
    // first one has expired too).
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let listed = app.get(&keys, Some(&token)).json_body();
    let listed = listed["data"].as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).unwrap().clone();
    assert_eq!(listed["expires_at"], "2026-11-24T00:00:00.000Z");
    assert_eq!(app.call(Method::Delete, &format!("{keys}/{id}"), Some(&token), None).status, 204);
    assert_eq!(error_code(&app.get("/v1/me", Some(&secret))), "api_key_invalid", "revoked now");
    // The default key, made without a lifetime, never expires.
    assert_eq!(app.get("/v1/me", Some(&ada.default_key)).status, 200);

    // Lifetimes are whole days from 1 to 365; a bad one creates nothing.
    let before = app.snapshot();
    for days in [json!(0), json!(366), json!(1.5), json!(-1), json!("7"), json!(null)] {
        let body = json!({ "name": "bad", "expires_in_days": days });
        let refused = app.call(Method::Post, &keys, Some(&token), Some(&body));
        assert_eq!((refused.status, error_code(&refused).as_str()), (400, "invalid_body"), "{days}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn unknown_keys_and_keys_of_other_workspaces_are_not_found() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    for key_id in ["key_doesnotexist", bob.default_key_id.as_str()] {
        let response = app.call(
            Method::Delete,
            &format!("/v1/orgs/{}/api-keys/{key_id}", ada.personal_slug),
            Some(&ada.token),
            None,
        );
        assert_eq!((response.status, error_code(&response).as_str()), (404, "api_key_not_found"), "{key_id}");
    }
    assert_eq!(app.get("/v1/me", Some(&bob.default_key)).status, 200, "bob's key untouched");
}

#[test]
fn a_key_acts_only_in_its_own_workspace() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.add_member(&bob.token, &bob.personal_slug, "user_ada", "owner");
    // Ada owns bob's workspace too, but her key belongs to her own.
    let response = app.get(&format!("/v1/orgs/{}", bob.personal_slug), Some(&ada.default_key));
    assert_eq!((response.status, error_code(&response).as_str()), (404, "org_not_found"));
    let response =
        app.call(Method::Post, "/v1/orgs", Some(&ada.default_key), Some(&json!({ "name": "A", "slug": "by-key" })));
    assert_eq!((response.status, error_code(&response).as_str()), (403, "api_key_not_allowed"));
}

#[test]
fn a_key_never_acts_as_owner_nor_mints_a_stronger_key() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let org = app.create_org(&ada.token, "Acme", "acme");
    let (all, _) = app.create_key(&ada.token, "acme", &["read", "write", "keys"]);
    let response = app.call(Method::Delete, "/v1/orgs/acme", Some(&all), None);
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_role"));
    let (keys_only, _) = app.create_key(&ada.token, "acme", &["keys"]);
    let response = app.call(
        Method::Post,
        "/v1/orgs/acme/api-keys",
        Some(&keys_only),
        Some(&json!({ "name": "more", "scopes": ["keys", "write"] })),
    );
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_scope"));
    assert_eq!(response.header("www-authenticate"), Some("Bearer error=\"insufficient_scope\", scope=\"write\""));
    let (minted, minted_id) = app.create_key(&keys_only, "acme", &["keys"]);
    assert_eq!(
        app.platform.db.scalar(&format!("SELECT created_by FROM api_keys WHERE id = '{minted_id}'")),
        json!(null)
    );
    assert_eq!(app.get("/v1/me", Some(&minted)).json_body()["workspace"]["id"], org["id"]);
}

#[test]
fn scopes_are_validated() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let path = format!("/v1/orgs/{}/api-keys", ada.personal_slug);
    let before = app.snapshot();
    let cases = [
        (json!({ "name": "k", "scopes": [] }), 422, "scopes_invalid"),
        (json!({ "name": "k", "scopes": ["admin"] }), 400, "invalid_body"),
        (json!({ "name": "k", "scopes": "read" }), 400, "invalid_body"),
        (json!({ "name": "", "scopes": ["read"] }), 422, "name_invalid"),
        (json!({ "scopes": ["read"] }), 400, "invalid_body"),
    ];
    for (body, status, code) in cases {
        let response = app.call(Method::Post, &path, Some(&ada.token), Some(&body));
        assert_eq!((response.status, error_code(&response).as_str()), (status, code), "{body}");
    }
    assert_eq!(app.snapshot(), before);
    let response = app.call(
        Method::Post,
        &path,
        Some(&ada.token),
        Some(&json!({ "name": "k", "scopes": ["write", "read", "write"] })),
    );
    assert_eq!(response.json_body()["api_key"]["scopes"], json!(["read", "write"]));
}

#[test]
fn a_forged_or_malformed_credential_is_refused_and_records_no_use() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let real = &ada.default_key;
    let forged = format!("{}{}", &real[..real.len() - 4], if real.ends_with("AAAA") { "BBBB" } else { "AAAA" });
    for credential in [forged.as_str(), &real[..real.len() - 1], "eak_short", "eak_"] {
        let response = app.get("/v1/me", Some(credential));
        assert_eq!((response.status, error_code(&response).as_str()), (401, "api_key_invalid"), "{credential}");
    }
    assert_eq!(
        app.platform.db.scalar(&format!("SELECT last_used_at FROM api_keys WHERE id = '{}'", ada.default_key_id)),
        json!(null)
    );
}

#[test]
fn use_is_recorded_at_most_once_a_minute() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let last_used =
        || app.platform.db.scalar(&format!("SELECT last_used_at FROM api_keys WHERE id = '{}'", ada.default_key_id));
    app.get("/v1/me", Some(&ada.default_key));
    assert_eq!(last_used(), json!(START_MS));
    app.advance_seconds(59);
    app.get("/v1/me", Some(&ada.default_key));
    assert_eq!(last_used(), json!(START_MS));
    app.advance_seconds(1);
    app.get("/v1/orgs", Some(&ada.default_key));
    assert_eq!(last_used(), json!(START_MS + 60_000));
}

#[test]
fn keys_keep_working_after_a_pepper_rotation() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let rotated =
        config_with(&[("API_KEY_PEPPER", "t2:rotated-pepper-0123456789abcdef,t1:test-pepper-0123456789abcdef")]);
    let send = |request: ApiRequest| {
        futures::executor::block_on(handle(&App::new(&app.platform, &rotated, &app.isolate), &request))
    };
    let me = send(api_request(Method::Get, "/v1/me", Some(&ada.default_key), None));
    assert_eq!(me.status, 200, "{}", body_text(&me));
    assert_eq!(
        me.json_body()["api_key"]["last_used_at"],
        "2026-11-22T00:00:00.000Z",
        "use recorded under the old pepper"
    );
    let created = send(api_request(
        Method::Post,
        &format!("/v1/orgs/{}/api-keys", ada.personal_slug),
        Some(&ada.token),
        Some(&json!({ "name": "new" })),
    ));
    let id = created.json_body()["api_key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.platform.db.scalar(&format!("SELECT pepper_kid FROM api_keys WHERE id = '{id}'")), json!("t2"));
    // A cursor made before the rotation is still accepted.
    let page = app.get(&format!("/v1/orgs/{}/api-keys?limit=1", ada.personal_slug), Some(&ada.token)).json_body();
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = send(api_request(
        Method::Get,
        &format!("/v1/orgs/{}/api-keys?limit=1&cursor={cursor}", ada.personal_slug),
        Some(&ada.token),
        None,
    ));
    assert_eq!(next.status, 200, "{}", body_text(&next));
}
