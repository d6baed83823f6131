//! `/v1/orgs` and `/v1/orgs/{org}`: create, read by id or slug, list, rename, re-slug, and the
//! slug rules as clients see them.

use edge_auth::http::Method;
use serde_json::json;

use crate::helpers::*;

#[test]
fn a_created_workspace_is_owned_by_its_creator() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let response =
        app.call(Method::Post, "/v1/orgs", Some(&ada.token), Some(&json!({ "name": "  Acme Corp ", "slug": "Acme" })));
    assert_eq!(response.status, 201, "{}", body_text(&response));
    let org = response.json_body();
    let id = org["id"].as_str().unwrap();
    assert!(id.starts_with("org_"));
    assert_eq!(response.header("location"), Some(format!("/v1/orgs/{id}").as_str()));
    assert_eq!(
        org,
        json!({
            "id": id, "name": "Acme Corp", "slug": "acme", "personal": false,
            "created_at": "2026-11-22T00:00:00.000Z", "updated_at": "2026-11-22T00:00:00.000Z",
        })
    );
    let member = app.get("/v1/orgs/acme/members/user_ada", Some(&ada.token)).json_body();
    assert_eq!(member["role"], "owner");
    let actions = app.platform.db.scalar(&format!(
        "SELECT group_concat(action, ',') FROM (SELECT action FROM audit_events WHERE workspace_id = '{id}' ORDER BY seq)"
    ));
    assert_eq!(actions, json!("workspace.created,membership.created"));
}

#[test]
fn a_workspace_is_found_by_id_or_by_slug_in_any_case() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let org = app.create_org(&ada.token, "Acme", "acme");
    for path in [format!("/v1/orgs/{}", org["id"].as_str().unwrap()), "/v1/orgs/acme".into(), "/v1/orgs/ACME".into()] {
        let response = app.get(&path, Some(&ada.token));
        assert_eq!((response.status, response.json_body()), (200, org.clone()), "{path}");
    }
    let response = app.get("/v1/orgs/no-such-org", Some(&ada.token));
    assert_eq!((response.status, error_code(&response).as_str()), (404, "org_not_found"));
}

#[test]
fn the_list_holds_the_callers_workspaces_in_the_order_they_joined() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.advance_seconds(1);
    app.create_org(&ada.token, "Acme", "acme");
    app.advance_seconds(1);
    app.create_org(&bob.token, "Bobs", "bobs");
    let body = app.get("/v1/orgs", Some(&ada.token)).json_body();
    let slugs: Vec<_> = body["data"].as_array().unwrap().iter().map(|w| w["slug"].clone()).collect();
    assert_eq!(slugs, [json!(ada.personal_slug), json!("acme")]);
    assert_eq!((body["has_more"].clone(), body["next_cursor"].clone()), (json!(false), json!(null)));
    // An API key's list is its own workspace.
    let body = app.get("/v1/orgs", Some(&bob.default_key)).json_body();
    let slugs: Vec<_> = body["data"].as_array().unwrap().iter().map(|w| w["slug"].clone()).collect();
    assert_eq!(slugs, [json!(bob.personal_slug)]);
}

#[test]
fn a_patch_renames_and_reslugs_and_is_audited() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.advance_seconds(5);
    let response = app.call(
        Method::Patch,
        "/v1/orgs/acme",
        Some(&ada.token),
        Some(&json!({ "name": "Acme Inc", "slug": "acme-inc" })),
    );
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let body = response.json_body();
    assert_eq!((body["name"].clone(), body["slug"].clone()), (json!("Acme Inc"), json!("acme-inc")));
    assert_eq!(body["updated_at"], "2026-11-22T00:00:05.000Z");
    assert_eq!(app.get("/v1/orgs/acme", Some(&ada.token)).status, 404, "the old slug is free");
    assert_eq!(app.get("/v1/orgs/acme-inc", Some(&ada.token)).status, 200);
    let detail = app.platform.db.scalar("SELECT detail FROM audit_events WHERE action = 'workspace.updated'");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(detail.as_str().unwrap().as_bytes()).unwrap(),
        json!({ "from": { "name": "Acme", "slug": "acme" }, "to": { "name": "Acme Inc", "slug": "acme-inc" } })
    );
    // Only the name: the slug stays.
    let body =
        app.call(Method::Patch, "/v1/orgs/acme-inc", Some(&ada.token), Some(&json!({ "name": "Acme" }))).json_body();
    assert_eq!((body["name"].clone(), body["slug"].clone()), (json!("Acme"), json!("acme-inc")));
}

#[test]
fn a_patch_that_changes_nothing_answers_the_workspace_and_writes_nothing() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let org = app.create_org(&ada.token, "Acme", "acme");
    let before = app.snapshot();
    for body in [json!({ "name": "Acme" }), json!({ "slug": "ACME" }), json!({ "name": " Acme ", "slug": "acme" })] {
        let response = app.call(Method::Patch, "/v1/orgs/acme", Some(&ada.token), Some(&body));
        assert_eq!((response.status, response.json_body()), (200, org.clone()), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[test]
fn slugs_are_refused_with_the_rule_they_break() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let cases = [
        ("ab", "a slug is 3 to 48 characters long"),
        ("a-very-long-slug-that-goes-on-and-on-and-on-forever", "a slug is 3 to 48 characters long"),
        ("acme_corp", "a slug has only letters, digits and hyphens"),
        ("acmé", "a slug has only letters, digits and hyphens"),
        ("-acme", "a slug does not start or end with a hyphen"),
        ("acme-", "a slug does not start or end with a hyphen"),
        ("ac--me", "a slug has no consecutive hyphens"),
        ("admin", "this slug is reserved"),
        ("Settings", "this slug is reserved"),
        ("v1", "a slug is 3 to 48 characters long"),
        ("orgs", "this slug is reserved"),
    ];
    let before = app.snapshot();
    for (slug, reason) in cases {
        for (method, path) in
            [(Method::Post, "/v1/orgs".to_owned()), (Method::Patch, format!("/v1/orgs/{}", ada.personal_slug))]
        {
            let response = app.call(method, &path, Some(&ada.token), Some(&json!({ "name": "Acme", "slug": slug })));
            let error = response.json_body()["error"].clone();
            assert_eq!(
                (response.status, error["code"].as_str().unwrap(), error["message"].as_str().unwrap()),
                (422, "slug_invalid", reason),
                "{method:?} slug {slug:?}"
            );
        }
    }
    assert_eq!(app.snapshot(), before, "nothing written");
}

#[test]
fn a_taken_slug_is_a_409_whatever_its_case() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.create_org(&bob.token, "Bobs", "bobs");
    let before = app.snapshot();
    for slug in ["acme", "ACME", "Acme"] {
        let response =
            app.call(Method::Post, "/v1/orgs", Some(&bob.token), Some(&json!({ "name": "Other", "slug": slug })));
        assert_eq!((response.status, error_code(&response).as_str()), (409, "slug_taken"), "{slug}");
        let response = app.call(Method::Patch, "/v1/orgs/bobs", Some(&bob.token), Some(&json!({ "slug": slug })));
        assert_eq!((response.status, error_code(&response).as_str()), (409, "slug_taken"), "{slug}");
    }
    // A personal workspace's slug is taken like any other.
    let response = app.call(
        Method::Post,
        "/v1/orgs",
        Some(&bob.token),
        Some(&json!({ "name": "Ada", "slug": ada.personal_slug })),
    );
    assert_eq!(error_code(&response), "slug_taken");
    assert_eq!(app.snapshot(), before);
}

#[test]
fn names_are_1_to_100_characters_after_trimming() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    for name in ["", "   ", &"x".repeat(101), "tab\there"] {
        let response =
            app.call(Method::Post, "/v1/orgs", Some(&ada.token), Some(&json!({ "name": name, "slug": "acme" })));
        assert_eq!((response.status, error_code(&response).as_str()), (422, "name_invalid"), "{name:?}");
    }
    assert_eq!(app.create_org(&ada.token, &"é".repeat(100), "acme")["name"], "é".repeat(100));
}

#[test]
fn me_shows_a_user_with_their_memberships() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    let org = app.create_org(&bob.token, "Bobs", "bobs");
    app.advance_seconds(1); // memberships are listed in the order they were made
    app.add_member(&bob.token, "bobs", "user_ada", "admin");
    let body = app.get("/v1/me", Some(&ada.token)).json_body();
    assert_eq!(body["type"], "user");
    assert_eq!(
        body["user"],
        json!({ "id": "user_ada", "email": "ada@example.com", "created_at": "2026-11-22T00:00:00.000Z", "last_seen_at": "2026-11-22T00:00:00.000Z" })
    );
    let memberships = body["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 2);
    assert_eq!(
        (memberships[0]["role"].clone(), memberships[0]["workspace"]["id"].clone()),
        (json!("owner"), json!(ada.personal_id))
    );
    assert_eq!((memberships[1]["role"].clone(), memberships[1]["workspace"].clone()), (json!("admin"), org));
    assert_eq!(body["memberships_has_more"], false);
}

#[test]
fn me_shows_an_api_key_without_its_secret_and_with_its_workspace() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let response = app.get("/v1/me", Some(&ada.default_key));
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let body = response.json_body();
    assert_eq!(body["type"], "api_key");
    assert_eq!(body["api_key"]["id"], ada.default_key_id.as_str());
    assert_eq!(body["api_key"]["scopes"], json!(["read", "write"]));
    assert_eq!(body["api_key"]["last_used_at"], "2026-11-22T00:00:00.000Z");
    assert_eq!(body["workspace"]["id"], ada.personal_id.as_str());
    assert!(!body_text(&response).contains(&ada.default_key[20..]), "no secret");
}
