//! Every route × every kind of caller, with the status each cell must answer. Each cell runs on
//! a fresh fixture, so mutations cannot leak from one cell into the next; a refused request
//! must leave every table as it was.

use edge_auth::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// The columns of the matrix.
#[derive(Debug, Clone, Copy)]
enum Who {
    Owner,
    Admin,
    Member,
    NonMember,
    /// An API key of the workspace with the default scopes, read and write.
    ApiKey,
    RevokedKey,
    Nobody,
}

const COLUMNS: [Who; 7] =
    [Who::Owner, Who::Admin, Who::Member, Who::NonMember, Who::ApiKey, Who::RevokedKey, Who::Nobody];

/// Workspace `matrix`: owner ada, admin bob, members cy and tim (the target of member routes);
/// dee is a member of nothing but her own workspace; eve has signed in and is the one added.
struct Fixture {
    app: TestApp,
    owner: SignedIn,
    admin: SignedIn,
    member: SignedIn,
    non_member: SignedIn,
    key: String,
    revoked_key: String,
    /// A key of the workspace that the revoke route targets.
    spare_key_id: String,
}

fn fixture() -> Fixture {
    let app = spawn_app();
    let owner = app.sign_in("user_ada", "ada@example.com");
    let admin = app.sign_in("user_bob", "bob@example.com");
    let member = app.sign_in("user_cy", "cy@example.com");
    let non_member = app.sign_in("user_dee", "dee@example.com");
    app.sign_in("user_tim", "tim@example.com");
    app.sign_in("user_eve", "eve@example.com");
    app.create_org(&owner.token, "Matrix", "matrix");
    app.add_member(&owner.token, "matrix", "user_bob", "admin");
    app.add_member(&owner.token, "matrix", "user_cy", "member");
    app.add_member(&owner.token, "matrix", "user_tim", "member");
    let (key, _) = app.create_key(&owner.token, "matrix", &["read", "write"]);
    let (revoked_key, revoked_id) = app.create_key(&owner.token, "matrix", &["read", "write", "keys"]);
    let (_, spare_key_id) = app.create_key(&owner.token, "matrix", &["read"]);
    // Used once now, so that using it again within the minute writes nothing.
    assert_eq!(app.get("/v1/me", Some(&key)).status, 200);
    let revoke = app.call(Method::Delete, &format!("/v1/orgs/matrix/api-keys/{revoked_id}"), Some(&owner.token), None);
    assert_eq!(revoke.status, 204);
    Fixture { app, owner, admin, member, non_member, key, revoked_key, spare_key_id }
}

impl Fixture {
    fn credential(&self, who: Who) -> Option<&str> {
        match who {
            Who::Owner => Some(&self.owner.token),
            Who::Admin => Some(&self.admin.token),
            Who::Member => Some(&self.member.token),
            Who::NonMember => Some(&self.non_member.token),
            Who::ApiKey => Some(&self.key),
            Who::RevokedKey => Some(&self.revoked_key),
            Who::Nobody => None,
        }
    }
}

struct Row {
    method: Method,
    /// `{key}` stands for the spare key's id.
    path: &'static str,
    body: Option<Value>,
    /// owner, admin, member, non-member, API key, revoked key, no credentials
    expected: [u16; 7],
}

fn rows() -> Vec<Row> {
    let row = |method, path, body, expected| Row { method, path, body, expected };
    vec![
        row(Method::Get, "/v1/health", None, [200, 200, 200, 200, 200, 200, 200]),
        row(Method::Get, "/v1/openapi.json", None, [200, 200, 200, 200, 200, 200, 200]),
        // An API key is not an access token.
        row(Method::Get, "/v1/auth/session", None, [200, 200, 200, 200, 401, 401, 401]),
        // The fixture's tokens already signed in: the callback replays their first answer.
        row(Method::Post, "/v1/auth/web/callback", None, [201, 201, 201, 201, 401, 401, 401]),
        row(Method::Get, "/v1/me", None, [200, 200, 200, 200, 200, 401, 401]),
        row(Method::Get, "/v1/orgs", None, [200, 200, 200, 200, 200, 401, 401]),
        row(
            Method::Post,
            "/v1/orgs",
            Some(json!({ "name": "New", "slug": "new-org" })),
            [201, 201, 201, 201, 403, 401, 401],
        ),
        row(Method::Get, "/v1/orgs/matrix", None, [200, 200, 200, 404, 200, 401, 401]),
        row(Method::Patch, "/v1/orgs/matrix", Some(json!({ "name": "Renamed" })), [200, 200, 403, 404, 200, 401, 401]),
        row(Method::Delete, "/v1/orgs/matrix", None, [204, 403, 403, 404, 403, 401, 401]),
        row(Method::Get, "/v1/orgs/matrix/members", None, [200, 200, 200, 404, 200, 401, 401]),
        row(
            Method::Post,
            "/v1/orgs/matrix/members",
            Some(json!({ "user_id": "user_eve", "role": "member" })),
            [201, 201, 403, 404, 201, 401, 401],
        ),
        row(Method::Get, "/v1/orgs/matrix/members/user_tim", None, [200, 200, 200, 404, 200, 401, 401]),
        row(
            Method::Patch,
            "/v1/orgs/matrix/members/user_tim",
            Some(json!({ "role": "admin" })),
            // The key lacks `keys`, so it cannot make an admin (who could mint keys).
            [200, 200, 403, 404, 403, 401, 401],
        ),
        row(Method::Delete, "/v1/orgs/matrix/members/user_tim", None, [204, 204, 403, 404, 204, 401, 401]),
        row(Method::Get, "/v1/orgs/matrix/api-keys", None, [200, 200, 200, 404, 200, 401, 401]),
        // The API key has read and write, not keys.
        row(
            Method::Post,
            "/v1/orgs/matrix/api-keys",
            Some(json!({ "name": "k" })),
            [201, 201, 403, 404, 403, 401, 401],
        ),
        row(Method::Delete, "/v1/orgs/matrix/api-keys/{key}", None, [204, 204, 403, 404, 403, 401, 401]),
        row(Method::Get, "/v1/orgs/matrix/events", None, [200, 200, 200, 404, 200, 401, 401]),
    ]
}

#[test]
fn every_route_answers_every_kind_of_caller_as_specified() {
    let mut failures = Vec::new();
    for row in rows() {
        for (who, expected) in COLUMNS.iter().zip(row.expected) {
            let fixture = fixture();
            let app = &fixture.app;
            let path = row.path.replace("{key}", &fixture.spare_key_id);
            let before = app.snapshot();
            let response = app.call(row.method, &path, fixture.credential(*who), row.body.as_ref());
            let cell = format!("{:?} {path} as {who:?}", row.method);
            if response.status != expected {
                failures.push(format!("{cell}: expected {expected}, got {} {}", response.status, body_text(&response)));
                continue;
            }
            if response.status == 401 && response.header("www-authenticate").is_none() {
                failures.push(format!("{cell}: 401 without WWW-Authenticate"));
            }
            if response.status >= 400 && app.snapshot() != before {
                failures.push(format!("{cell}: refused with {} but wrote to the database", response.status));
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_non_member_cannot_tell_a_workspace_from_no_workspace() {
    let fixture = fixture();
    let app = &fixture.app;
    let token = Some(fixture.non_member.token.as_str());
    let org_id = app.get("/v1/orgs/matrix", Some(&fixture.owner.token)).json_body()["id"].as_str().unwrap().to_owned();
    for org in ["matrix", org_id.as_str(), "no-such-org", "org_00000000000000000000000000"] {
        for (method, path) in [
            (Method::Get, format!("/v1/orgs/{org}")),
            (Method::Delete, format!("/v1/orgs/{org}")),
            (Method::Get, format!("/v1/orgs/{org}/members/user_tim")),
            (Method::Delete, format!("/v1/orgs/{org}/api-keys/{}", fixture.spare_key_id)),
        ] {
            let response = app.call(method, &path, token, None);
            assert_eq!(
                response.json_body(),
                json!({ "error": { "code": "org_not_found", "message": "no such workspace" } }),
                "{method:?} {path}"
            );
        }
    }
}

#[test]
fn a_verified_user_who_never_signed_in_is_not_provisioned() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "user_stranger" }));
    for (method, path) in
        [(Method::Get, "/v1/me"), (Method::Get, "/v1/orgs"), (Method::Post, "/v1/orgs"), (Method::Get, "/v1/orgs/acme")]
    {
        let body = json!({ "name": "x", "slug": "xyz" });
        let response = app.call(method, path, Some(&token), (method == Method::Post).then_some(&body));
        assert_eq!(
            (response.status, error_code(&response).as_str()),
            (403, "user_not_provisioned"),
            "{method:?} {path}"
        );
    }
    assert_eq!(app.platform.db.count("workspaces"), 0);
}
