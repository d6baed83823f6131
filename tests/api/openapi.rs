//! `GET /v1/openapi.json` against the router's table, the `ErrorCode` enum, and the answers the
//! API actually gives.

use std::collections::{BTreeSet, HashSet};

use edge_auth::http::{ApiResponse, ErrorCode, Method};
use edge_auth::routes::{Route, ROUTES};
use serde_json::{json, Value};

use crate::helpers::*;

pub fn document() -> Value {
    let response = spawn_app().get("/v1/openapi.json", None);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    serde_json::from_slice(&response.body).expect("the document is JSON")
}

const DOCUMENTED_METHODS: [&str; 4] = ["get", "post", "patch", "delete"];

#[test]
fn every_routed_path_is_documented_and_every_documented_path_is_routed() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(move |m| (path.to_string(), m.as_str().to_ascii_lowercase())))
        .collect();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| DOCUMENTED_METHODS.contains(&k.as_str()))
                .map(move |m| (path.clone(), m.clone()))
        })
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routed but not documented: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");
}

#[test]
fn every_operation_is_complete_and_every_reference_resolves() {
    let doc = document();
    let mut operation_ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(operation_ids.insert(id.to_owned()), "{id} twice");
            let responses = operation["responses"].as_object().unwrap();
            // Success, or for the sign-in routes a redirect, which is their success.
            let succeeds =
                |status: &String| status.starts_with('2') || (status.starts_with('3') && path.starts_with("/v1/auth/"));
            assert!(responses.keys().any(succeeds), "{method} {path}: no success");
            for placeholder in path.split('/').filter(|s| s.starts_with('{')) {
                let name = placeholder.trim_matches(|c| c == '{' || c == '}');
                let declared = operation["parameters"].as_array().is_some_and(|params| {
                    params.iter().any(|p| resolve(&doc, p)["name"] == name && resolve(&doc, p)["in"] == "path")
                });
                assert!(declared, "{method} {path}: parameter {name} undeclared");
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50);
    for reference in refs {
        assert!(!pointer(&doc, &reference).is_null(), "{reference} does not resolve");
    }
}

#[test]
fn the_documented_error_codes_are_exactly_the_error_code_enum_with_its_statuses() {
    let doc = document();
    let schema = &doc["components"]["schemas"]["ErrorCode"];
    let documented: Vec<&str> = schema["enum"].as_array().unwrap().iter().map(|code| code.as_str().unwrap()).collect();
    let ours: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(documented, ours, "the document lists the codes of ErrorCode, in its order");
    let description = schema["description"].as_str().unwrap();
    for code in ErrorCode::ALL {
        let line = format!("- `{}` {}:", code.as_str(), code.status());
        assert!(description.contains(&line), "the description gives {code} its status: {line}");
    }
}

#[test]
fn the_answers_of_every_route_match_their_documented_schemas() {
    let app = spawn_app();
    let doc = document();
    let ada = app.sign_in("user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    app.sign_in("user_cy", "cy@example.com");
    let check = |method: Method, path: &str, bearer: Option<&str>, body: Option<Value>| -> ApiResponse {
        let response = app.call(method, path, bearer, body.as_ref());
        conforms(&doc, method, path, &response);
        response
    };
    let new_token = app.sign_in_token("user_new", "new@example.com");
    let ada_token = Some(ada.token.as_str());
    check(Method::Get, "/v1/health", None, None);
    check(Method::Get, "/v1/openapi.json", None, None);
    check(Method::Get, "/v1/auth/session", ada_token, None);
    check(Method::Post, "/v1/auth/web/callback", Some(&new_token), None);
    check(Method::Post, "/v1/auth/web/callback", Some(&app.sign_in_token("user_new", "new@example.com")), None);
    check(Method::Get, "/v1/me", ada_token, None);
    check(Method::Get, "/v1/me", Some(&ada.default_key), None);
    check(Method::Post, "/v1/orgs", ada_token, Some(json!({ "name": "Acme", "slug": "acme" })));
    check(Method::Get, "/v1/orgs?limit=1", ada_token, None);
    check(Method::Get, "/v1/orgs/acme", ada_token, None);
    check(Method::Patch, "/v1/orgs/acme", ada_token, Some(json!({ "name": "Acme 2" })));
    check(
        Method::Post,
        "/v1/orgs/acme/members",
        ada_token,
        Some(json!({ "email": "bob@example.com", "role": "admin" })),
    );
    check(Method::Post, "/v1/orgs/acme/members", ada_token, Some(json!({ "user_id": "user_cy", "role": "member" })));
    check(Method::Get, "/v1/orgs/acme/members?limit=2", ada_token, None);
    check(Method::Get, "/v1/orgs/acme/members/user_bob", ada_token, None);
    check(Method::Patch, "/v1/orgs/acme/members/user_bob", ada_token, Some(json!({ "role": "member" })));
    check(Method::Delete, "/v1/orgs/acme/members/user_cy", ada_token, None);
    let created = check(
        Method::Post,
        "/v1/orgs/acme/api-keys",
        ada_token,
        Some(json!({ "name": "ci", "scopes": ["read", "keys"] })),
    );
    let key = created.json_body()["secret"].as_str().unwrap().to_owned();
    check(Method::Get, "/v1/orgs/acme/api-keys?limit=1", Some(&key), None);
    check(Method::Get, "/v1/me", Some(&key), None);
    check(
        Method::Delete,
        &format!("/v1/orgs/acme/api-keys/{}", created.json_body()["api_key"]["id"].as_str().unwrap()),
        ada_token,
        None,
    );
    check(Method::Get, "/v1/orgs/acme/events?limit=3", ada_token, None);
    // Errors: each documented for its operation, with its code named there.
    check(Method::Get, "/v1/orgs/acme", None, None);
    check(Method::Get, "/v1/orgs/acme", Some("a.b.c"), None);
    check(Method::Get, "/v1/orgs/acme", Some(&key), None);
    check(Method::Get, "/v1/orgs/acme", Some(&app.token(json!({ "sub": "user_nobody" }))), None);
    check(Method::Get, "/v1/orgs/acme", Some(&bob.default_key), None);
    check(Method::Post, "/v1/orgs", Some(&bob.default_key), Some(json!({ "name": "B", "slug": "bbb" })));
    check(Method::Post, "/v1/orgs", Some(&bob.token), Some(json!({ "name": "B", "slug": "acme" })));
    check(Method::Post, "/v1/orgs", Some(&bob.token), Some(json!({ "name": "B", "slug": "a" })));
    check(Method::Post, "/v1/orgs", Some(&bob.token), Some(json!({ "name": "B", "slug": "bbb", "x": 1 })));
    check(Method::Patch, "/v1/orgs/acme", Some(&bob.token), Some(json!({ "name": "B" })));
    check(Method::Patch, "/v1/orgs/acme", Some(&bob.default_key), Some(json!({ "name": "B" })));
    check(Method::Delete, "/v1/orgs/acme", Some(&bob.token), None);
    check(Method::Delete, &format!("/v1/orgs/{}", ada.personal_slug), ada_token, None);
    check(Method::Get, "/v1/orgs/acme/members/user_cy", ada_token, None);
    check(Method::Post, "/v1/orgs/acme/members", ada_token, Some(json!({ "user_id": "user_none", "role": "member" })));
    check(Method::Post, "/v1/orgs/acme/members", ada_token, Some(json!({ "user_id": "user_bob", "role": "member" })));
    check(Method::Patch, "/v1/orgs/acme/members/user_ada", ada_token, Some(json!({ "role": "member" })));
    check(Method::Delete, "/v1/orgs/acme/members/user_ada", ada_token, None);
    check(Method::Delete, "/v1/orgs/acme/api-keys/key_none", ada_token, None);
    check(Method::Post, "/v1/orgs/acme/api-keys", ada_token, Some(json!({ "name": "k", "scopes": [] })));
    check(Method::Get, "/v1/orgs/acme/events?limit=0", ada_token, None);
    check(Method::Get, "/v1/orgs/acme/events?cursor=nope", ada_token, None);
}

/// Asserts that the answer's status is documented for the operation, that an error's code is
/// named there, and that a JSON body matches the documented schema.
pub fn conforms(doc: &Value, method: Method, path: &str, response: &ApiResponse) {
    let template = Route::parse(path.split('?').next().unwrap()).unwrap().template();
    let operation = &doc["paths"][template][method.as_str().to_ascii_lowercase()];
    let documented = resolve(doc, &operation["responses"][response.status.to_string()]);
    let what = format!("{method:?} {path} → {}: {}", response.status, body_text(response));
    assert!(!documented.is_null(), "{what}: status not documented");
    if response.status >= 400 {
        let code = error_code(response);
        assert!(
            documented["description"].as_str().unwrap().contains(&format!("`{code}`")),
            "{what}: code not documented here"
        );
    }
    match documented["content"]["application/json"]["schema"].as_object() {
        Some(_) => {
            let schema = &documented["content"]["application/json"]["schema"];
            if let Err(error) = validate(doc, schema, &response.json_body(), "$") {
                panic!("{what}: {error}");
            }
        }
        None => assert!(response.body.is_empty(), "{what}: a body where none is documented"),
    }
}

// ---------------------------------------------------------------- JSON Schema

fn pointer<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    doc.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null)
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => resolve(doc, pointer(doc, reference)),
        None => value,
    }
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.push(reference.clone());
            }
            if let Some(Value::Object(mapping)) = map.get("mapping") {
                refs.extend(mapping.values().filter_map(|v| v.as_str().map(str::to_owned)));
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// Validates `value` against `schema` (a `$ref` into the document, or an inline schema) with a
/// maintained JSON Schema 2020-12 validator; the document's components are its `$defs` context.
pub fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let validator = validator(doc, schema);
    let errors: Vec<String> =
        validator.iter_errors(value).map(|error| format!("{at}{}: {error}", error.instance_path())).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// A validator for `schema` with the document's components in reach of its `$ref`s.
pub fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|error| panic!("the schema {schema} does not compile: {error}"))
}

#[test]
fn the_schema_checker_refuses_what_it_should() {
    let doc = document();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let workspace = json!({
        "id": "org_0123456789abcdefghjkmnpqrs", "name": "A", "slug": "abc", "personal": false,
        "created_at": "2026-11-22T00:00:00.000Z", "updated_at": "2026-11-22T00:00:00.000Z",
    });
    assert_eq!(validate(&doc, &schema("Workspace"), &workspace, "$"), Ok(()));
    let mut extra = workspace.clone();
    extra["secret"] = json!("x");
    let mut missing = workspace.clone();
    missing.as_object_mut().unwrap().remove("slug");
    let mut mistyped = workspace.clone();
    mistyped["personal"] = json!("no");
    for bad in [extra, missing, mistyped] {
        assert!(validate(&doc, &schema("Workspace"), &bad, "$").is_err(), "{bad}");
    }
    let page = json!({ "data": [workspace], "has_more": false, "next_cursor": 5 });
    assert!(validate(&doc, &schema("WorkspacePage"), &page, "$").is_err());
    assert!(validate(&doc, &schema("Me"), &json!({ "type": "robot" }), "$").is_err());
    assert!(validate(&doc, &schema("Error"), &json!({ "error": { "code": "made_up", "message": "" } }), "$").is_err());
    assert!(validate(&doc, &schema("Workspace"), &json!({ "id": "x" }), "$").unwrap_err().contains("slug"));
}
