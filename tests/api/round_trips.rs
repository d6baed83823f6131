//! D1 round trips per request, measured. Each request is a small, fixed number: the caller, the
//! workspace, the caller's standing and the route's own reads share one batch; a change is one
//! more atomic batch.

use edge_auth::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    bearer: Option<String>,
    body: Option<Value>,
    status: u16,
    round_trips: usize,
}

#[test]
fn every_route_makes_a_fixed_small_number_of_round_trips() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.sign_in("user_cy", "cy@example.com");
    let dee = app.sign_in("user_dee", "dee@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    for i in 0..30 {
        // Lists longer than a page: the count does not grow with the rows.
        app.sign_in(&format!("user_{i:02}"), &format!("u{i}@example.com"));
        app.add_member(&ada.token, "acme", &format!("user_{i:02}"), "member");
        app.create_key(&ada.token, "acme", &["read"]);
    }
    app.add_member(&ada.token, "acme", "user_bob", "member");
    let (key, _) = app.create_key(&ada.token, "acme", &["read", "write", "keys"]);
    let (_, spare_key_id) = app.create_key(&ada.token, "acme", &["read"]);
    let (revoked_key, revoked_key_id) = app.create_key(&ada.token, "acme", &["read"]);
    assert_eq!(
        app.call(Method::Delete, &format!("/v1/orgs/acme/api-keys/{revoked_key_id}"), Some(&ada.token), None).status,
        204
    );
    app.create_org(&ada.token, "Doomed", "doomed");
    let page_two = app.get("/v1/orgs/acme/members?limit=5", Some(&ada.token)).json_body()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let case = |what, method, path: &str, bearer: Option<&str>, body: Option<Value>, status, round_trips| Case {
        what,
        method,
        path: path.to_owned(),
        bearer: bearer.map(str::to_owned),
        body,
        status,
        round_trips,
    };
    let token = Some(ada.token.as_str());
    let key = Some(key.as_str());
    let cases = [
        case("health", Method::Get, "/v1/health", None, None, 200, 1),
        case("session", Method::Get, "/v1/auth/session", token, None, 200, 1),
        case("openapi", Method::Get, "/v1/openapi.json", None, None, 200, 0),
        case("me (user)", Method::Get, "/v1/me", token, None, 200, 1),
        case("me (API key)", Method::Get, "/v1/me", key, None, 200, 1),
        case("list orgs", Method::Get, "/v1/orgs", token, None, 200, 1),
        case("list orgs (API key)", Method::Get, "/v1/orgs", key, None, 200, 1),
        case("create org", Method::Post, "/v1/orgs", token, Some(json!({ "name": "New", "slug": "new-one" })), 201, 2),
        case(
            "create org, slug taken",
            Method::Post,
            "/v1/orgs",
            token,
            Some(json!({ "name": "New", "slug": "acme" })),
            409,
            2,
        ),
        case("get org", Method::Get, "/v1/orgs/acme", token, None, 200, 1),
        case("get org (API key)", Method::Get, "/v1/orgs/acme", key, None, 200, 1),
        case("rename org", Method::Patch, "/v1/orgs/acme", token, Some(json!({ "name": "Acme 2" })), 200, 2),
        case("rename org (API key)", Method::Patch, "/v1/orgs/acme", key, Some(json!({ "name": "Acme 3" })), 200, 2),
        case(
            "rename org to its name",
            Method::Patch,
            "/v1/orgs/acme",
            token,
            Some(json!({ "name": "Acme 3" })),
            200,
            1,
        ),
        case("re-slug org, taken", Method::Patch, "/v1/orgs/acme", token, Some(json!({ "slug": "doomed" })), 409, 1),
        case("delete org", Method::Delete, "/v1/orgs/doomed", token, None, 204, 2),
        case("list members", Method::Get, "/v1/orgs/acme/members", token, None, 200, 1),
        case(
            "list members, page 2",
            Method::Get,
            &format!("/v1/orgs/acme/members?limit=5&cursor={page_two}"),
            token,
            None,
            200,
            1,
        ),
        case(
            "add member",
            Method::Post,
            "/v1/orgs/acme/members",
            token,
            Some(json!({ "email": "cy@example.com", "role": "member" })),
            201,
            2,
        ),
        case("get member", Method::Get, "/v1/orgs/acme/members/user_cy", token, None, 200, 1),
        case(
            "change role",
            Method::Patch,
            "/v1/orgs/acme/members/user_cy",
            key,
            Some(json!({ "role": "admin" })),
            200,
            2,
        ),
        case(
            "change role to the same",
            Method::Patch,
            "/v1/orgs/acme/members/user_cy",
            token,
            Some(json!({ "role": "admin" })),
            200,
            1,
        ),
        case("remove member", Method::Delete, "/v1/orgs/acme/members/user_cy", token, None, 204, 2),
        case("member without the role", Method::Delete, "/v1/orgs/acme", Some(&bob.token), None, 403, 1),
        case("leave", Method::Delete, "/v1/orgs/acme/members/user_bob", Some(&bob.token), None, 204, 2),
        case("list API keys", Method::Get, "/v1/orgs/acme/api-keys", token, None, 200, 1),
        case("create API key", Method::Post, "/v1/orgs/acme/api-keys", key, Some(json!({ "name": "k" })), 201, 2),
        case("revoke API key", Method::Delete, &format!("/v1/orgs/acme/api-keys/{spare_key_id}"), token, None, 204, 2),
        case(
            "revoke a revoked key",
            Method::Delete,
            &format!("/v1/orgs/acme/api-keys/{revoked_key_id}"),
            token,
            None,
            204,
            1,
        ),
        case("list events", Method::Get, "/v1/orgs/acme/events", token, None, 200, 1),
        // Refusals stop after the first round trip, or before any.
        case("no credentials", Method::Get, "/v1/orgs/acme", None, None, 401, 0),
        case("bad token", Method::Get, "/v1/orgs/acme", Some("a.b.c"), None, 401, 0),
        case("malformed API key", Method::Get, "/v1/orgs/acme", Some("eak_nope"), None, 401, 0),
        case("revoked API key", Method::Get, "/v1/orgs/acme", Some(&revoked_key), None, 401, 1),
        case("another workspace's API key", Method::Get, "/v1/orgs/acme", Some(&ada.default_key), None, 404, 1),
        case("non-member", Method::Patch, "/v1/orgs/acme", Some(&dee.token), Some(json!({ "name": "x" })), 404, 1),
        case("former member", Method::Get, "/v1/orgs/acme", Some(&bob.token), None, 404, 1),
        case("invalid body", Method::Post, "/v1/orgs", token, Some(json!({ "name": "x" })), 400, 1),
        case("last owner", Method::Delete, "/v1/orgs/acme/members/user_ada", token, None, 409, 1),
    ];
    let mut report = Vec::new();
    for case in cases {
        let before = app.round_trips();
        let response = app.call(case.method, &case.path, case.bearer.as_deref(), case.body.as_ref());
        let trips = app.round_trips() - before;
        assert_eq!(response.status, case.status, "{}: {}", case.what, body_text(&response));
        report.push(format!(
            "{:<28} {:?} {} → {} in {trips}",
            case.what,
            case.method,
            case.path.split('?').next().unwrap(),
            case.status
        ));
        assert_eq!(trips, case.round_trips, "{}", case.what);
    }
    println!("{}", report.join("\n"));
}

#[test]
fn the_hot_paths_send_d1_few_statements() {
    let app = spawn_app();
    let statements_of = |run: &mut dyn FnMut()| {
        let before = (app.platform.db.round_trips.get(), app.platform.db.statements.get());
        run();
        (app.platform.db.round_trips.get() - before.0, app.platform.db.statements.get() - before.1)
    };
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let mut org = String::new();
    let first = statements_of(&mut || {
        let answer = app.callback(&token);
        assert_eq!(answer.status, 201);
        org = answer.json_body()["workspace"]["id"].as_str().unwrap().to_owned();
    });
    app.advance_seconds(5);
    let replay = statements_of(&mut || assert_eq!(app.callback(&token).status, 201));
    let again = app.sign_in_token("user_ada", "ada@example.com");
    let returning = statements_of(&mut || assert_eq!(app.callback(&again).status, 200));
    // (round trips, statements): a sign-in is the insert whose trigger takes its steps and the
    // read of their outcome; a replay of a key this isolate answered reads the stored answer.
    assert_eq!([first, returning, replay], [(1, 2), (1, 2), (1, 1)]);
    let read = statements_of(&mut || assert_eq!(app.get(&format!("/v1/orgs/{org}"), Some(&again)).status, 200));
    assert_eq!(read, (1, 1), "a bearer's org read: the user and the workspace in one row");
    let (key, _) = app.create_key(&again, &org, &["read"]);
    let read = statements_of(&mut || assert_eq!(app.get(&format!("/v1/orgs/{org}"), Some(&key)).status, 200));
    assert_eq!(read, (1, 2), "an API key's: its use recorded, then the key and the workspace in one row");
}
