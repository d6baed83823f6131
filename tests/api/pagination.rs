//! Cursor pagination: pages cover a list exactly once while rows are inserted between them;
//! limits; tampered and foreign cursors.

use std::collections::HashSet;

use edge_auth::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn page(app: &TestApp, path: &str, bearer: &str) -> Value {
    let response = app.get(path, Some(bearer));
    assert_eq!(response.status, 200, "{path}: {}", body_text(&response));
    response.json_body()
}

fn ids(page: &Value, field: &str) -> Vec<String> {
    page["data"].as_array().unwrap().iter().map(|row| row[field].as_str().unwrap().to_owned()).collect()
}

fn with_cursor(path: &str, page: &Value) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}cursor={}", page["next_cursor"].as_str().unwrap())
}

/// Acme, owned by ada, with `members` more members joined a second apart.
fn workspace_with_members(members: usize) -> (TestApp, SignedIn) {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    for i in 0..members {
        app.sign_in(&format!("user_{i:02}"), &format!("u{i}@example.com"));
        app.advance_seconds(1);
        app.add_member(&ada.token, "acme", &format!("user_{i:02}"), "member");
    }
    (app, ada)
}

#[test]
fn member_pages_see_every_member_once_while_members_join() {
    let (app, ada) = workspace_with_members(12);
    let original: Vec<String> = ids(&page(&app, "/v1/orgs/acme/members?limit=100", &ada.token), "user_id");
    assert_eq!(original.len(), 13);

    let mut seen = Vec::new();
    let mut next = page(&app, "/v1/orgs/acme/members?limit=5", &ada.token);
    let mut joined = 0;
    loop {
        seen.extend(ids(&next, "user_id"));
        if next["has_more"] == false {
            assert_eq!(next["next_cursor"], json!(null));
            break;
        }
        // Someone joins between two pages.
        let user = format!("user_new_{joined}");
        app.sign_in(&user, &format!("{user}@example.com"));
        app.advance_seconds(1);
        app.add_member(&ada.token, "acme", &user, "member");
        joined += 1;
        next = page(&app, &with_cursor("/v1/orgs/acme/members?limit=5", &next), &ada.token);
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    for user in &original {
        assert!(unique.contains(user), "{user} skipped");
    }
    assert_eq!(&seen[..13], &original[..], "the original members first, in order");
    assert_eq!(seen.len(), 13 + joined, "members who joined later come at the end");
}

#[test]
fn event_pages_go_back_in_time_while_events_are_added() {
    let (app, ada) = workspace_with_members(6);
    let all = ids(&page(&app, "/v1/orgs/acme/events?limit=100", &ada.token), "id");
    assert_eq!(all.len(), 8);
    let mut seen = Vec::new();
    let mut next = page(&app, "/v1/orgs/acme/events?limit=3", &ada.token);
    let mut renames = 0;
    loop {
        seen.extend(ids(&next, "id"));
        if next["has_more"] == false {
            break;
        }
        renames += 1;
        app.call(Method::Patch, "/v1/orgs/acme", Some(&ada.token), Some(&json!({ "name": format!("Acme {renames}") })));
        next = page(&app, &with_cursor("/v1/orgs/acme/events?limit=3", &next), &ada.token);
    }
    assert_eq!(seen, all, "exactly the events that existed, newest first; newer ones are on page one next time");
    assert!(renames >= 2);
}

#[test]
fn workspace_and_api_key_lists_page_too() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    for i in 0..6 {
        app.advance_seconds(1);
        app.create_org(&ada.token, "Org", &format!("org-{i}"));
        app.create_key(&ada.token, &ada.personal_slug, &["read"]);
    }
    for (path, field, total) in [
        ("/v1/orgs?limit=3".to_owned(), "id", 7),
        (format!("/v1/orgs/{}/api-keys?limit=3", ada.personal_slug), "id", 7),
    ] {
        let mut seen = Vec::new();
        let mut next = page(&app, &path, &ada.token);
        loop {
            seen.extend(ids(&next, field));
            if next["has_more"] == false {
                break;
            }
            next = page(&app, &with_cursor(&path, &next), &ada.token);
        }
        assert_eq!(seen.len(), total, "{path}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), total, "{path}");
    }
}

#[test]
fn limits_default_to_20_and_must_be_1_to_100() {
    let (app, ada) = workspace_with_members(24);
    let body = page(&app, "/v1/orgs/acme/members", &ada.token);
    assert_eq!((body["data"].as_array().unwrap().len(), body["has_more"].clone()), (20, json!(true)));
    assert_eq!(page(&app, "/v1/orgs/acme/members?limit=100", &ada.token)["data"].as_array().unwrap().len(), 25);
    assert_eq!(page(&app, "/v1/orgs/acme/members?limit=1", &ada.token)["data"].as_array().unwrap().len(), 1);
    assert_eq!(page(&app, "/v1/orgs/acme/members?limit=25", &ada.token)["has_more"], false);
    for limit in ["0", "101", "-1", "abc", "", "1e2", "%FF"] {
        for list in ["/v1/orgs", "/v1/orgs/acme/members", "/v1/orgs/acme/api-keys", "/v1/orgs/acme/events"] {
            let response = app.get(&format!("{list}?limit={limit}"), Some(&ada.token));
            assert_eq!(response.status, 400, "{list} limit={limit}");
            let code = error_code(&response);
            assert!(
                code == "limit_invalid" || (limit == "%FF" && code == "invalid_query"),
                "{list} limit={limit}: {code}"
            );
        }
    }
}

#[test]
fn a_tampered_cursor_is_refused() {
    let (app, ada) = workspace_with_members(3);
    let first = page(&app, "/v1/orgs/acme/members?limit=2", &ada.token);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (payload, mac) = cursor.split_once('.').unwrap();
    let flip = |text: &str, at: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let tampered = [
        format!("{}.{mac}", flip(payload, 5)),
        format!("{payload}.{}", flip(mac, 3)),
        payload.to_owned(),
        format!("{payload}."),
        format!("{cursor}x"),
        "garbage".to_owned(),
        "a".repeat(600),
    ];
    for cursor in tampered {
        let response = app.get(&format!("/v1/orgs/acme/members?limit=2&cursor={cursor}"), Some(&ada.token));
        assert_eq!((response.status, error_code(&response).as_str()), (400, "cursor_invalid"), "{cursor}");
    }
}

#[test]
fn a_cursor_from_another_list_or_workspace_or_caller_is_refused() {
    let (app, ada) = workspace_with_members(3);
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.create_org(&ada.token, "Other", "other");
    for i in 0..3 {
        app.add_member(&ada.token, "other", &format!("user_{i:02}"), "member");
    }
    app.create_key(&ada.token, "acme", &["read"]);
    app.create_key(&ada.token, "acme", &["read"]);
    let cursor = |path: &str, bearer: &str| page(&app, path, bearer)["next_cursor"].as_str().unwrap().to_owned();
    let members = cursor("/v1/orgs/acme/members?limit=1", &ada.token);
    let events = cursor("/v1/orgs/acme/events?limit=1", &ada.token);
    let keys = cursor("/v1/orgs/acme/api-keys?limit=1", &ada.token);
    let adas_orgs = cursor("/v1/orgs?limit=1", &ada.token);
    app.create_org(&bob.token, "Bobs", "bobs");
    let cases = [
        (format!("/v1/orgs/acme/events?cursor={members}"), &ada.token, "members cursor on events"),
        (format!("/v1/orgs/acme/api-keys?cursor={members}"), &ada.token, "members cursor on keys"),
        (format!("/v1/orgs/acme/members?cursor={events}"), &ada.token, "events cursor on members"),
        (format!("/v1/orgs/acme/members?cursor={keys}"), &ada.token, "keys cursor on members"),
        (format!("/v1/orgs/other/members?cursor={members}"), &ada.token, "another workspace's cursor"),
        (format!("/v1/orgs/other/events?cursor={events}"), &ada.token, "another workspace's events cursor"),
        (format!("/v1/orgs?cursor={members}"), &ada.token, "members cursor on orgs"),
        (format!("/v1/orgs?cursor={adas_orgs}"), &bob.token, "another user's orgs cursor"),
    ];
    for (path, bearer, why) in cases {
        let response = app.get(&path, Some(bearer));
        assert_eq!((response.status, error_code(&response).as_str()), (400, "cursor_invalid"), "{why}");
    }
    // The same cursor is fine on its own list, by id or by slug.
    let id = app.get("/v1/orgs/acme", Some(&ada.token)).json_body()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/v1/orgs/{id}/members?cursor={members}"), Some(&ada.token)).status, 200);
}

#[test]
fn a_non_member_learns_nothing_from_a_bad_cursor_or_limit() {
    let (app, _) = workspace_with_members(1);
    let dee = app.sign_in("user_dee", "dee@example.com");
    for query in ["cursor=garbage", "limit=0"] {
        let response = app.get(&format!("/v1/orgs/acme/members?{query}"), Some(&dee.token));
        assert_eq!((response.status, error_code(&response).as_str()), (404, "org_not_found"), "{query}");
    }
}
