//! The MCP endpoint, `POST /mcp`: MCP's Streamable HTTP transport answered with plain JSON
//! (JSON-RPC 2.0: `initialize`, `ping`, `tools/list`, `tools/call`; notifications get 202). Every
//! request carries an AuthKit OAuth token issued for this resource; tools act as its user within
//! its scopes, through the organisation API itself.

pub mod discovery;
mod tools;

use serde_json::{json, Map, Value};

use super::web_callback::provision;
use crate::app::App;
use crate::http::{ApiError, ApiRequest, ApiResponse, ErrorCode, Method};
use crate::platform::Platform;
use crate::token::Identity;
use crate::workos::canonical_email;
use tools::{request_for, tools, BadCall};

/// The protocol versions this server speaks, newest first.
const PROTOCOL_VERSIONS: &[&str] = &["2025-06-18", "2025-03-26", "2024-11-05"];

// JSON-RPC 2.0 error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;

fn rpc_result(id: &Value, result: Value) -> ApiResponse {
    ApiResponse::json(200, &json!({ "jsonrpc": "2.0", "id": id, "result": result }))
}

fn rpc_error(status: u16, id: &Value, code: i64, message: &str) -> ApiResponse {
    ApiResponse::json(status, &json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }))
}

/// Answers a request to `/mcp` (MCP is on). `dispatch` runs an organisation API request.
pub async fn endpoint<P: Platform, F, Fut>(app: &App<'_, P>, request: &ApiRequest, dispatch: F) -> ApiResponse
where
    F: Fn(ApiRequest) -> Fut,
    Fut: std::future::Future<Output = ApiResponse>,
{
    if request.method != Method::Post {
        // No server-sent events: the transport's answer to GET (and to DELETE of a session).
        return ApiError::new(ErrorCode::MethodNotAllowed, "MCP is served by POST only (no event stream)")
            .with_header("allow", "POST")
            .into_response();
    }
    let identity = match app.authenticate_mcp_token(request).await {
        Some(Ok(identity)) => identity,
        Some(Err(error)) => return error.into_response(),
        None => return ApiError::new(ErrorCode::RouteNotFound, "no such route").into_response(),
    };
    let message = match request.json_value() {
        Ok(message) => message,
        Err(error) if error.code == ErrorCode::InvalidBody => {
            return rpc_error(400, &Value::Null, PARSE_ERROR, "the body is not JSON")
        }
        Err(error) => return error.into_response(),
    };
    let Some(message) = message.as_object() else {
        return rpc_error(400, &Value::Null, INVALID_REQUEST, "send one JSON-RPC request object (no batches)");
    };
    let id = message.get("id").cloned();
    // JSON-RPC 2.0: an id is a string, a number or null; an object or array cannot be echoed
    // back as one, so the answer's id is null.
    if id.as_ref().is_some_and(|id| !(id.is_string() || id.is_number() || id.is_null())) {
        return rpc_error(400, &Value::Null, INVALID_REQUEST, "id is a string, a number or null");
    }
    let method = message.get("method").and_then(Value::as_str);
    let (Some(method), true) = (method, message.get("jsonrpc") == Some(&json!("2.0"))) else {
        return rpc_error(400, &id.unwrap_or(Value::Null), INVALID_REQUEST, "not a JSON-RPC 2.0 request");
    };
    let Some(id) = id else {
        // A notification (`notifications/initialized`, …): nothing to answer.
        return ApiResponse::empty(202);
    };
    // Every MCP method takes its params by name.
    let params = match message.get("params") {
        None => json!({}),
        Some(params @ Value::Object(_)) => params.clone(),
        Some(_) => return rpc_error(200, &id, INVALID_PARAMS, "params must be an object"),
    };
    match method {
        "initialize" => {
            let asked = params["protocolVersion"].as_str().unwrap_or_default();
            let version = PROTOCOL_VERSIONS.iter().find(|v| **v == asked).unwrap_or(&PROTOCOL_VERSIONS[0]);
            rpc_result(
                &id,
                json!({
                    "protocolVersion": version,
                    "capabilities": { "tools": { "listChanged": false } },
                    "serverInfo": { "name": "edge-auth", "title": "edge-auth organisation API", "version": env!("CARGO_PKG_VERSION") },
                    "instructions": "Manage the user's workspaces, members, invitations, API keys and audit trail. Tools act as the signed-in user, within the OAuth scopes granted (read, write, keys).",
                }),
            )
        }
        "ping" => rpc_result(&id, json!({})),
        "tools/list" => rpc_result(&id, json!({ "tools": tools() })),
        "tools/call" => {
            let name = params["name"].as_str().unwrap_or_default();
            let arguments = match params.get("arguments") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(arguments)) => arguments.clone(),
                Some(_) => return rpc_error(200, &id, INVALID_PARAMS, "arguments must be an object"),
            };
            match request_for(name, &arguments) {
                Ok(call) => call_tool(app, request, &identity, &id, call, &dispatch).await,
                Err(BadCall(message)) => rpc_error(200, &id, INVALID_PARAMS, &message),
            }
        }
        _ => rpc_error(200, &id, METHOD_NOT_FOUND, &format!("no method {method}")),
    }
}

/// Runs a tool's API request as the token's user; provisions a user who never signed in (once,
/// through the first sign-in's own path) and runs it again.
async fn call_tool<P: Platform, F, Fut>(
    app: &App<'_, P>,
    request: &ApiRequest,
    identity: &std::rc::Rc<Identity>,
    id: &Value,
    call: tools::ToolRequest,
    dispatch: &F,
) -> ApiResponse
where
    F: Fn(ApiRequest) -> Fut,
    Fut: std::future::Future<Output = ApiResponse>,
{
    let inner = || {
        let mut inner = ApiRequest::new(call.method, &call.path);
        inner.request_id = request.request_id.clone();
        inner.origin = request.origin.clone();
        inner.mcp_identity = Some(identity.clone());
        match &call.body {
            Some(body) => inner.with_json(body),
            None => inner,
        }
    };
    let mut answer = dispatch(inner()).await;
    if answer.status == 403 && error_code(&answer) == "user_not_provisioned" {
        if let Err(error) = provision_first_contact(app, identity).await {
            return tool_error(id, error.into_response());
        }
        answer = dispatch(inner()).await;
    }
    if answer.status == 403 && error_code(&answer) == "insufficient_scope" {
        // HTTP 403 with the scope challenge, so the client can ask for the scope (step-up).
        let mut refused = rpc_error(403, id, -32003, "the token lacks a scope this tool needs");
        refused.headers.extend(answer.headers.into_iter().filter(|(name, _)| name == "www-authenticate"));
        return refused;
    }
    if answer.status >= 400 {
        return tool_error(id, answer);
    }
    let content = if answer.body.is_empty() { json!({}) } else { answer.json_body() };
    rpc_result(
        id,
        json!({
            "content": [{ "type": "text", "text": content.to_string() }],
            "structuredContent": content,
            "isError": false,
        }),
    )
}

fn error_code(response: &ApiResponse) -> String {
    response.json_body()["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// A refusal of the API as a tool error: the API's answer, with its stable code.
fn tool_error(id: &Value, answer: ApiResponse) -> ApiResponse {
    let body = answer.json_body();
    rpc_result(
        id,
        json!({
            "content": [{ "type": "text", "text": body.to_string() }],
            "structuredContent": { "status": answer.status, "error": body["error"] },
            "isError": true,
        }),
    )
}

/// Provisions the token's user exactly once, as a first sign-in (personal workspace, owner
/// membership, default key), keyed so that every client's first contact shares one answer.
async fn provision_first_contact<P: Platform>(app: &App<'_, P>, identity: &Identity) -> Result<(), ApiError> {
    let email = canonical_email(app.platform, app.config, &app.isolate.user_emails, identity).await?;
    provision(app, identity, &email, &format!("mcp:{}", identity.user_id)).await?;
    Ok(())
}
