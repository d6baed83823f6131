//! The MCP tools: each is one request to the organisation API, made with the MCP client's
//! verified token, so the same rules, answers and audit trail apply. `tools.json` holds what
//! `tools/list` shows (names, descriptions, input schemas); this file turns a call into the
//! API request.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::http::request::url_encode;
use crate::http::Method;
use crate::platform::whole_number;

/// `tools/list`'s tools, parsed once per isolate.
pub fn tools() -> &'static Value {
    static TOOLS: OnceLock<Value> = OnceLock::new();
    TOOLS.get_or_init(|| serde_json::from_slice(include_bytes!("tools.json")).expect("tools.json is JSON"))
}

/// The API request a tool call makes.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRequest {
    pub method: Method,
    /// Path and query.
    pub path: String,
    pub body: Option<Value>,
}

/// Why a call names no request: the JSON-RPC `invalid params` message.
#[derive(Debug, Clone, PartialEq)]
pub struct BadCall(pub String);

/// The tool's schema from `tools.json`, if there is such a tool.
pub fn schema(tool: &str) -> Option<&'static Value> {
    tools().as_array()?.iter().find(|t| t["name"] == tool).map(|t| &t["inputSchema"])
}

/// Checks `arguments` against the tool's schema as far as the API does not: the object shape,
/// required and unknown names, value types, enums and integer bounds. Lengths and patterns are
/// the API's to judge (its refusals come back as tool errors with its codes).
fn check(schema: &Value, arguments: &Map<String, Value>) -> Result<(), BadCall> {
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !arguments.contains_key(required) {
            return Err(BadCall(format!("{required} is required")));
        }
    }
    for (name, value) in arguments {
        let Some(property) = properties.get(name) else {
            return Err(BadCall(format!("unknown argument {name}")));
        };
        let fits = match property["type"].as_str() {
            Some("string") => value.is_string(),
            Some("integer") => value.as_number().and_then(whole_number).is_some_and(|n| {
                property["minimum"].as_i64().is_none_or(|min| n >= min)
                    && property["maximum"].as_i64().is_none_or(|max| n <= max)
            }),
            _ => true,
        };
        let listed = property["enum"].as_array().is_none_or(|allowed| allowed.contains(value));
        if !fits || !listed {
            return Err(BadCall(format!("{name} does not fit its schema")));
        }
    }
    Ok(())
}

/// A path segment from an argument: ids and slugs only, so that no argument can reach another
/// route.
fn segment(arguments: &Map<String, Value>, name: &str) -> Result<String, BadCall> {
    let value = arguments.get(name).and_then(Value::as_str).unwrap_or_default();
    let ok = !value.is_empty()
        && value.len() <= 100
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| value.to_owned()).ok_or_else(|| BadCall(format!("{name} is not an id or slug")))
}

/// `?state=&limit=&cursor=` from a list's filter and paging arguments.
fn page_query(arguments: &Map<String, Value>) -> String {
    let mut query = Vec::new();
    // A list's filter (the invitations' `state`), which the tool's schema has checked.
    if let Some(state) = arguments.get("state").and_then(Value::as_str) {
        query.push(format!("state={}", url_encode(state)));
    }
    if let Some(limit) = arguments.get("limit").and_then(Value::as_number).and_then(whole_number) {
        query.push(format!("limit={limit}"));
    }
    if let Some(cursor) = arguments.get("cursor").and_then(Value::as_str) {
        query.push(format!("cursor={}", url_encode(cursor)));
    }
    if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    }
}

/// Copies the named arguments that are present into a body.
fn body_of(arguments: &Map<String, Value>, names: &[&str]) -> Value {
    Value::Object(names.iter().filter_map(|n| arguments.get(*n).map(|v| ((*n).to_owned(), v.clone()))).collect())
}

/// The API request of a call to `tool` with `arguments`.
pub fn request_for(tool: &str, arguments: &Map<String, Value>) -> Result<ToolRequest, BadCall> {
    let schema = schema(tool).ok_or_else(|| BadCall(format!("unknown tool {tool}")))?;
    check(schema, arguments)?;
    let get = |path: String| ToolRequest { method: Method::Get, path, body: None };
    let workspace = || segment(arguments, "workspace");
    Ok(match tool {
        "whoami" => get("/v1/me".into()),
        "list_workspaces" => get(format!("/v1/orgs{}", page_query(arguments))),
        "get_workspace" => get(format!("/v1/orgs/{}", workspace()?)),
        "create_workspace" => ToolRequest {
            method: Method::Post,
            path: "/v1/orgs".into(),
            body: Some(body_of(arguments, &["name", "slug"])),
        },
        "list_members" => get(format!("/v1/orgs/{}/members{}", workspace()?, page_query(arguments))),
        "add_member" => ToolRequest {
            method: Method::Post,
            path: format!("/v1/orgs/{}/members", workspace()?),
            body: Some(body_of(arguments, &["user_id", "email", "role"])),
        },
        "change_member_role" => ToolRequest {
            method: Method::Patch,
            path: format!("/v1/orgs/{}/members/{}", workspace()?, segment(arguments, "user_id")?),
            body: Some(body_of(arguments, &["role"])),
        },
        "remove_member" => ToolRequest {
            method: Method::Delete,
            path: format!("/v1/orgs/{}/members/{}", workspace()?, segment(arguments, "user_id")?),
            body: None,
        },
        "list_invitations" => get(format!("/v1/orgs/{}/invitations{}", workspace()?, page_query(arguments))),
        "invite_member" => ToolRequest {
            method: Method::Post,
            path: format!("/v1/orgs/{}/invitations", workspace()?),
            body: Some(body_of(arguments, &["email", "role", "expires_in_days"])),
        },
        "revoke_invitation" => ToolRequest {
            method: Method::Delete,
            path: format!("/v1/orgs/{}/invitations/{}", workspace()?, segment(arguments, "invitation_id")?),
            body: None,
        },
        "list_api_keys" => get(format!("/v1/orgs/{}/api-keys{}", workspace()?, page_query(arguments))),
        "create_api_key" => ToolRequest {
            method: Method::Post,
            path: format!("/v1/orgs/{}/api-keys", workspace()?),
            body: Some(body_of(arguments, &["name", "scopes", "expires_in_days"])),
        },
        "revoke_api_key" => ToolRequest {
            method: Method::Delete,
            path: format!("/v1/orgs/{}/api-keys/{}", workspace()?, segment(arguments, "key_id")?),
            body: None,
        },
        "list_audit_events" => get(format!("/v1/orgs/{}/events{}", workspace()?, page_query(arguments))),
        other => return Err(BadCall(format!("unknown tool {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn every_listed_tool_maps_to_a_request_and_arguments_are_checked() {
        assert_eq!(tools().as_array().unwrap().len(), 15);
        let call = |tool: &str, a: Value| request_for(tool, &args(a));
        assert_eq!(call("whoami", json!({})).unwrap().path, "/v1/me");
        assert_eq!(
            call("list_workspaces", json!({"limit": 5, "cursor": "a b"})).unwrap().path,
            "/v1/orgs?limit=5&cursor=a%20b"
        );
        let change =
            call("change_member_role", json!({"workspace": "acme", "user_id": "user_1", "role": "admin"})).unwrap();
        assert_eq!((change.method, change.path.as_str()), (Method::Patch, "/v1/orgs/acme/members/user_1"));
        assert_eq!(change.body, Some(json!({"role": "admin"})));
        let invite = call("invite_member", json!({"workspace": "acme", "email": "a@b.c", "role": "member"})).unwrap();
        assert_eq!((invite.method, invite.path.as_str()), (Method::Post, "/v1/orgs/acme/invitations"));
        assert_eq!(invite.body, Some(json!({"email": "a@b.c", "role": "member"})));
        let revoke = call("revoke_invitation", json!({"workspace": "acme", "invitation_id": "inv_1"})).unwrap();
        assert_eq!((revoke.method, revoke.path.as_str()), (Method::Delete, "/v1/orgs/acme/invitations/inv_1"));
        let key = call("create_api_key", json!({"workspace": "acme", "name": "ci", "expires_in_days": 30})).unwrap();
        assert_eq!((key.method, key.path.as_str()), (Method::Post, "/v1/orgs/acme/api-keys"));
        assert_eq!(key.body, Some(json!({"name": "ci", "expires_in_days": 30})));
        let revoke = call("revoke_api_key", json!({"workspace": "acme", "key_id": "key_1"})).unwrap();
        assert_eq!((revoke.method, revoke.path.as_str()), (Method::Delete, "/v1/orgs/acme/api-keys/key_1"));
        for (tool, bad) in [
            ("get_workspace", json!({})),
            ("get_workspace", json!({"workspace": "acme/members"})),
            ("get_workspace", json!({"workspace": "../v1"})),
            ("list_members", json!({"workspace": "acme", "limit": 0})),
            ("add_member", json!({"workspace": "acme", "role": "god"})),
            ("invite_member", json!({"workspace": "acme", "email": "a@b.c", "role": "member", "expires_in_days": 31})),
            ("revoke_invitation", json!({"workspace": "acme", "invitation_id": "../members"})),
            ("create_api_key", json!({"workspace": "acme", "name": "ci", "expires_in_days": 366})),
            ("revoke_api_key", json!({"workspace": "acme", "key_id": "key_1/../x"})),
            ("whoami", json!({"extra": 1})),
            ("create_workspace", json!({"name": 1, "slug": "x"})),
            ("no_such_tool", json!({})),
        ] {
            assert!(call(tool, bad.clone()).is_err(), "{tool} {bad}");
        }
    }
}
