//! The OpenAPI document states what the server enforces on request bodies: every body the
//! document's schema accepts is accepted (never 400 or 422; 409 for a taken slug is a state, not
//! a contract, answer), and every body it refuses is refused with 400 or 422, writing nothing.
//! The bodies are each operation's fields given every kind of value a schema fuzzer tries.

use edge_auth::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::openapi::{document, validator};

/// Strings that sit on or across the edges of the name and slug rules.
fn strings() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        " ",
        "a",
        "ab",
        "abc",
        "ABC",
        "a-b",
        "a--b",
        "-ab",
        "ab-",
        "a_b",
        "a b",
        "  padded  ",
        "\tAcme\n",
        "Ac\u{7}me",
        "Acme\u{85}",
        "\u{85}Acme",
        "\u{2028}Acme",
        "Ac\u{2028}me",
        "\u{a0}abc\u{a0}",
        "\u{feff}abc",
        "admin",
        "Admin",
        " www ",
        "v1",
        "null",
        "ünïcode",
        "名前",
        "emoji 🦀",
        "org_0123456789abcdefghjkmnpqrs",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in [47, 48, 49, 99, 100, 101] {
        values.push("x".repeat(n));
    }
    values.push(format!(" {} ", "x".repeat(100)));
    values.push(format!(" {} ", "y".repeat(48)));
    values
}

/// Every value a field can be given: those strings, and each other JSON type.
fn values() -> Vec<Value> {
    let mut values: Vec<Value> = strings().into_iter().map(Value::from).collect();
    values.extend([Value::Null, json!(5), json!(true), json!([]), json!({}), json!(["read"])]);
    // An enum's variant as a map, which serde's derived enums read: `{"admin": null}`.
    values.extend([json!({ "admin": null }), json!({ "read": null }), json!([{ "read": null }])]);
    values
}

/// Whole bodies that are not a JSON object, the first of them a valid body's field values in
/// order (which serde's derived `Deserialize` for a struct would read, were it let).
fn not_objects(valid: &Value) -> Vec<Value> {
    let in_order: Vec<Value> = valid.as_object().unwrap().values().cloned().collect();
    vec![Value::Array(in_order), json!([]), Value::Null, json!("acme"), json!(5), json!(true)]
}

/// Sends each body; returns the cells that break the contract.
fn check_bodies(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: &str,
    operation_schema: &Value,
    bodies: Vec<Value>,
) -> Vec<String> {
    let doc = document();
    let validator = validator(&doc, operation_schema);
    let mut failures = Vec::new();
    for body in bodies {
        let valid = validator.is_valid(&body);
        let before = app.snapshot();
        let response = app.call(method, path, Some(bearer), Some(&body));
        let refused = matches!(response.status, 400 | 422);
        let cell = format!(
            "{method:?} {path} {body} (schema {}): {} {}",
            if valid { "accepts" } else { "refuses" },
            response.status,
            body_text(&response)
        );
        if valid && (refused || response.status >= 500) {
            failures.push(format!("documented but refused: {cell}"));
        }
        if !valid && !refused {
            failures.push(format!("refused by the document but accepted: {cell}"));
        }
        if !valid && app.snapshot() != before {
            failures.push(format!("refused but wrote: {cell}"));
        }
    }
    failures
}

fn request_schema(method: &str, template: &str) -> Value {
    document()["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"].clone()
}

/// A body with one field set to `value` (or removed, for `None`).
fn with(base: &Value, field: &str, value: Option<Value>) -> Value {
    let mut body = base.clone();
    match value {
        Some(value) => body[field] = value,
        None => {
            body.as_object_mut().unwrap().remove(field);
        }
    }
    body
}

#[test]
fn workspace_bodies_are_accepted_exactly_when_the_document_accepts_them() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let schema = request_schema("post", "/v1/orgs");
    let mut bodies = Vec::new();
    for (i, value) in values().into_iter().enumerate() {
        bodies.push(json!({ "name": value, "slug": format!("slug-{i}") }));
        bodies.push(json!({ "name": "Acme", "slug": value }));
    }
    bodies.extend([
        json!({ "name": "A" }),
        json!({ "slug": "abc-d" }),
        json!({ "name": "A", "slug": "abc-e", "x": 1 }),
        json!({}),
    ]);
    bodies.extend(not_objects(&json!({ "name": "Acme", "slug": "abc-f" })));
    let mut failures = check_bodies(&app, Method::Post, "/v1/orgs", &ada.token, &schema, bodies);

    let schema = request_schema("patch", "/v1/orgs/{org}");
    let mut bodies = vec![json!({}), json!({ "name": "A", "x": 1 })];
    bodies.extend(not_objects(&json!({ "name": "Acme 3" })));
    for value in values() {
        bodies.push(json!({ "name": value }));
        bodies.push(json!({ "slug": value }));
    }
    // Addressed by id: the slug changes as bodies are accepted.
    let id = app.create_org(&ada.token, "Acme 2", "acme-2")["id"].as_str().unwrap().to_owned();
    failures.extend(check_bodies(&app, Method::Patch, &format!("/v1/orgs/{id}"), &ada.token, &schema, bodies));
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn member_bodies_are_accepted_exactly_when_the_document_accepts_them() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_eve", "eve@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    let add_schema = request_schema("post", "/v1/orgs/{org}/members");
    let base = json!({ "user_id": "user_eve", "role": "member" });
    let mut bodies = vec![
        json!({ "user_id": "user_eve", "email": "eve@example.com", "role": "member" }),
        json!({ "role": "member" }),
        with(&base, "x", Some(json!(1))),
        with(&base, "role", None),
    ];
    bodies.extend(not_objects(&base));
    for value in values() {
        bodies.push(with(&base, "role", Some(value.clone())));
        bodies.push(with(&base, "user_id", Some(value.clone())));
        bodies.push(json!({ "email": value, "role": "member" }));
    }
    bodies.extend(["owner", "admin", "member"].map(|role| with(&base, "role", Some(json!(role)))));
    let mut failures = Vec::new();
    // An accepted add makes eve a member; take her out again so the next add is not a conflict.
    for body in bodies {
        failures.extend(check_bodies(&app, Method::Post, "/v1/orgs/acme/members", &ada.token, &add_schema, vec![body]));
        app.call(Method::Delete, "/v1/orgs/acme/members/user_eve", Some(&ada.token), None);
    }
    app.add_member(&ada.token, "acme", "user_eve", "member");
    let update_schema = request_schema("patch", "/v1/orgs/{org}/members/{user_id}");
    let mut bodies = vec![json!({}), json!({ "role": "admin", "x": 1 })];
    bodies.extend(not_objects(&json!({ "role": "admin" })));
    bodies.extend(values().into_iter().map(|value| json!({ "role": value })));
    bodies.extend(["admin", "member", "owner"].map(|role| json!({ "role": role })));
    failures.extend(check_bodies(
        &app,
        Method::Patch,
        "/v1/orgs/acme/members/user_eve",
        &ada.token,
        &update_schema,
        bodies,
    ));
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn api_key_bodies_are_accepted_exactly_when_the_document_accepts_them() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let schema = request_schema("post", "/v1/orgs/{org}/api-keys");
    let base = json!({ "name": "ci", "scopes": ["read"] });
    let mut bodies = vec![with(&base, "scopes", None), with(&base, "name", None), with(&base, "x", Some(json!(1)))];
    bodies.extend(not_objects(&base));
    for value in values() {
        bodies.push(with(&base, "name", Some(value.clone())));
        bodies.push(with(&base, "scopes", Some(value)));
    }
    for scopes in [
        json!([]),
        json!(["read", "read"]),
        json!(["read", "write", "keys"]),
        json!(["bogus"]),
        json!([null]),
        json!("read"),
    ] {
        bodies.push(with(&base, "scopes", Some(scopes)));
    }
    let path = format!("/v1/orgs/{}/api-keys", ada.personal_id);
    let failures = check_bodies(&app, Method::Post, &path, &ada.token, &schema, bodies);
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}
