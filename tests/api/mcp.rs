//! MCP: discovery from a bare 401, a session of MCP calls, the trust boundary between MCP and
//! session tokens, scopes, provisioning on first contact, an AuthKit outage, and the token
//! attack catalogue against MCP tokens.

use edge_auth::http::{ApiRequest, ApiResponse, Method};
use serde_json::{json, Value};

use crate::helpers::*;

const RESOURCE: &str = "https://edge.test/mcp";
const METADATA: &str = "https://edge.test/.well-known/oauth-protected-resource/mcp";

fn mcp_app() -> TestApp {
    spawn_app_with(&[("AUTHKIT_DOMAIN", AUTHKIT)])
}

/// An AuthKit OAuth token for `sub` with `scope`; `overrides` replace or (null) drop claims.
fn mcp_token(app: &TestApp, sub: &str, scope: &str, overrides: Value) -> String {
    let mut claims = json!({ "iss": AUTHKIT, "sub": sub, "aud": RESOURCE, "client_id": "client_mcp", "scope": scope, "jti": random_jti() });
    for (name, value) in overrides.as_object().unwrap() {
        claims[name] = value.clone();
    }
    app.token(claims)
}

fn rpc(app: &TestApp, token: Option<&str>, message: Value) -> ApiResponse {
    let mut request = ApiRequest::new(Method::Post, "/mcp").with_json(&message);
    if let Some(token) = token {
        request = request.with_header("authorization", &format!("Bearer {token}"));
    }
    app.send(request)
}

fn call(app: &TestApp, token: &str, tool: &str, arguments: Value) -> ApiResponse {
    rpc(
        app,
        Some(token),
        json!({ "jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": { "name": tool, "arguments": arguments } }),
    )
}

fn result(response: &ApiResponse) -> Value {
    assert_eq!(response.status, 200, "{}", body_text(response));
    response.json_body()["result"].clone()
}

#[test]
fn a_bare_request_is_told_where_to_get_a_token() {
    let app = mcp_app();
    let bare = rpc(&app, None, json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize" }));
    assert_eq!(bare.status, 401);
    assert_eq!(bare.header("www-authenticate"), Some(format!("Bearer resource_metadata=\"{METADATA}\"").as_str()));
    let metadata = app.get("/.well-known/oauth-protected-resource/mcp", None).json_body();
    assert_eq!(metadata["resource"], RESOURCE);
    assert_eq!(metadata["authorization_servers"], json!([AUTHKIT]));
    assert_eq!(metadata["scopes_supported"], json!(["read", "write", "keys"]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
    assert_eq!(app.get("/.well-known/oauth-protected-resource", None).json_body(), metadata);
    let server = app.get("/.well-known/oauth-authorization-server", None);
    assert_eq!(server.json_body()["issuer"], AUTHKIT);
    app.get("/.well-known/oauth-authorization-server", None);
    assert_eq!(app.platform.workos.authkit_requests.get(), 1, "AuthKit's document is cached");
    let posted = app.send(ApiRequest::new(Method::Post, "/.well-known/oauth-protected-resource"));
    assert_eq!((posted.status, posted.header("allow")), (405, Some("GET")));
    // Every 401 of the API points there too.
    let api = app.get("/v1/me", None);
    assert!(api.header("www-authenticate").unwrap().contains(&format!("resource_metadata=\"{METADATA}\"")));
}

#[test]
fn mcp_is_off_without_an_authkit_domain() {
    let app = spawn_app();
    for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"] {
        assert_eq!(app.get(path, None).status, 404);
    }
    assert_eq!(rpc(&app, None, json!({})).status, 404);
    assert_eq!(app.get("/v1/me", None).header("www-authenticate"), Some("Bearer"));
}

#[test]
fn a_session_of_mcp_calls_provisions_on_first_contact_and_acts_through_the_api() {
    let app = mcp_app();
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    let token = mcp_token(&app, "user_mia", "read write", json!({}));
    let init = result(&rpc(
        &app,
        Some(&token),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "protocolVersion": "2025-03-26" } }),
    ));
    assert_eq!(init["protocolVersion"], "2025-03-26");
    assert_eq!(init["serverInfo"]["name"], "edge-auth");
    let note = rpc(&app, Some(&token), json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    assert_eq!((note.status, note.body.len()), (202, 0));
    assert_eq!(result(&rpc(&app, Some(&token), json!({ "jsonrpc": "2.0", "id": 2, "method": "ping" }))), json!({}));
    let tools = result(&rpc(&app, Some(&token), json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/list" })));
    let names: Vec<&str> = tools["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "whoami",
            "list_workspaces",
            "get_workspace",
            "create_workspace",
            "list_members",
            "add_member",
            "change_member_role",
            "remove_member",
            "list_invitations",
            "invite_member",
            "revoke_invitation",
            "list_api_keys",
            "create_api_key",
            "revoke_api_key",
            "list_audit_events"
        ]
    );

    let whoami = result(&call(&app, &token, "whoami", json!({})));
    assert_eq!(whoami["isError"], false);
    assert_eq!(whoami["structuredContent"]["user"]["email"], "mia@example.com", "provisioned on first contact");
    assert_eq!(app.platform.db.count("workspaces"), 1, "the personal workspace, once");
    call(&app, &token, "whoami", json!({}));
    assert_eq!(app.platform.db.count("workspaces"), 1);

    let created = result(&call(&app, &token, "create_workspace", json!({ "name": "Agents", "slug": "agents" })));
    assert_eq!(created["structuredContent"]["slug"], "agents");
    app.sign_in("user_bob", "bob@example.com");
    let added = result(&call(
        &app,
        &token,
        "add_member",
        json!({ "workspace": "agents", "email": "bob@example.com", "role": "member" }),
    ));
    assert_eq!(added["isError"], false, "{added}");
    let members = result(&call(&app, &token, "list_members", json!({ "workspace": "agents", "limit": 10 })));
    assert_eq!(members["structuredContent"]["data"].as_array().unwrap().len(), 2);
    // JSON Schema's integers include `1.0`, and a fraction is no integer.
    let one = result(&call(&app, &token, "list_members", json!({ "workspace": "agents", "limit": 1.0 })));
    assert_eq!(one["structuredContent"]["data"].as_array().unwrap().len(), 1, "{one}");
    let half = call(&app, &token, "list_members", json!({ "workspace": "agents", "limit": 1.5 })).json_body();
    assert_eq!(half["error"]["code"], -32602, "{half}");
    let invited = result(&call(
        &app,
        &token,
        "invite_member",
        json!({ "workspace": "agents", "email": "cy@example.com", "role": "member", "expires_in_days": 3 }),
    ));
    assert_eq!(invited["structuredContent"]["state"], "pending", "{invited}");
    let id = invited["structuredContent"]["id"].as_str().unwrap();
    let listed = result(&call(&app, &token, "list_invitations", json!({ "workspace": "agents" })));
    assert_eq!(listed["structuredContent"]["data"][0]["id"], id);
    let revoked =
        result(&call(&app, &token, "revoke_invitation", json!({ "workspace": "agents", "invitation_id": id })));
    assert_eq!(revoked["isError"], false, "{revoked}");
    // The list's state filter is an argument, and only its states fit the schema.
    let in_state = |state: &str| {
        let listed = result(&call(&app, &token, "list_invitations", json!({ "workspace": "agents", "state": state })));
        listed["structuredContent"]["data"].as_array().unwrap().iter().map(|i| i["id"].clone()).collect::<Vec<_>>()
    };
    assert_eq!((in_state("revoked"), in_state("pending")), (vec![json!(id)], vec![]));
    let unknown = call(&app, &token, "list_invitations", json!({ "workspace": "agents", "state": "open" })).json_body();
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let events = result(&call(&app, &token, "list_audit_events", json!({ "workspace": "agents" })));
    let actions: Vec<&str> =
        events["structuredContent"]["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"membership.created"), "{actions:?}");
    assert_eq!(events["structuredContent"]["data"][0]["actor"]["id"], "user_mia", "the audit trail names the user");

    let refused = result(&call(
        &app,
        &token,
        "change_member_role",
        json!({ "workspace": "agents", "user_id": "user_bob", "role": "owner" }),
    ));
    assert_eq!(refused["isError"], true);
    assert_eq!(
        refused["structuredContent"]["error"]["code"], "insufficient_role",
        "a scoped client never grants owner"
    );
    let missing = result(&call(&app, &token, "get_workspace", json!({ "workspace": "nope" })));
    assert_eq!(
        (missing["isError"].clone(), missing["structuredContent"]["error"]["code"].clone()),
        (json!(true), json!("org_not_found"))
    );
    let removed = result(&call(&app, &token, "remove_member", json!({ "workspace": "agents", "user_id": "user_bob" })));
    assert_eq!(removed["isError"], false);
}

#[test]
fn an_mcp_read_of_a_workspace_is_one_round_trip_of_one_statement_like_the_bearers() {
    let app = mcp_app();
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    let token = mcp_token(&app, "user_mia", "read", json!({}));
    let me = result(&call(&app, &token, "whoami", json!({})));
    let org = me["structuredContent"]["memberships"][0]["workspace"]["id"].as_str().unwrap().to_owned();
    let before = (app.platform.db.round_trips.get(), app.platform.db.statements.get());
    let read = result(&call(&app, &token, "get_workspace", json!({ "workspace": org })));
    assert_eq!(read["isError"], false, "{read}");
    let after = (app.platform.db.round_trips.get(), app.platform.db.statements.get());
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1));
}

#[test]
fn bad_json_rpc_gets_json_rpc_errors() {
    let app = mcp_app();
    let token = mcp_token(&app, "user_mia", "read", json!({}));
    let send = |body: &[u8]| {
        let mut request = ApiRequest::new(Method::Post, "/mcp")
            .with_header("authorization", &format!("Bearer {token}"))
            .with_header("content-type", "application/json");
        request.body = body.to_vec();
        app.send(request)
    };
    assert_eq!(send(b"{oops").json_body()["error"]["code"], -32700);
    assert_eq!(send(b"[]").json_body()["error"]["code"], -32600);
    assert_eq!(send(br#"{"id":1,"method":"ping"}"#).json_body()["error"]["code"], -32600);
    for id in [r#"{"a":1}"#, "[1]", "true"] {
        let answer = send(format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#).as_bytes()).json_body();
        assert_eq!((&answer["error"]["code"], &answer["id"]), (&json!(-32600), &Value::Null), "{id}");
        // Nor is such an id echoed when the request is wrong in another way too.
        let answer = send(format!(r#"{{"jsonrpc":"1.0","id":{id},"method":"ping"}}"#).as_bytes()).json_body();
        assert_eq!((&answer["error"]["code"], &answer["id"]), (&json!(-32600), &Value::Null), "{id}");
    }
    for id in [r#""a""#, "7", "null"] {
        let answer = send(format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#).as_bytes()).json_body();
        assert_eq!((&answer["result"], answer["id"].to_string()), (&json!({}), id.to_owned()), "{id}");
    }
    for params in ["[]", r#""get_workspace""#, "5"] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{params}}}"#);
        let answer = send(body.as_bytes()).json_body();
        assert_eq!(answer["error"]["code"], -32602, "{params}: {answer}");
        assert_eq!(answer["error"]["message"], "params must be an object");
    }
    assert_eq!(send(br#"{"jsonrpc":"2.0","id":1,"method":"resources/list"}"#).json_body()["error"]["code"], -32601);
    let unknown = send(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"drop_tables"}}"#);
    assert_eq!(unknown.json_body()["error"]["code"], -32602);
    let bad_args = send(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_workspace","arguments":{"workspace":"a/../../v1"}}}"#);
    assert_eq!(bad_args.json_body()["error"]["code"], -32602);
    let get = app.send(ApiRequest::new(Method::Get, "/mcp").with_header("authorization", &format!("Bearer {token}")));
    assert_eq!((get.status, get.header("allow")), (405, Some("POST")));
}

#[test]
fn scopes_limit_an_mcp_token_like_an_api_key_and_a_missing_one_is_a_403_challenge() {
    let app = mcp_app();
    let reader = mcp_token(&app, "user_mia", "read", json!({}));
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    call(&app, &reader, "whoami", json!({}));
    let refused = call(&app, &reader, "create_workspace", json!({ "name": "No", "slug": "nope" }));
    assert_eq!(refused.status, 403);
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"write\""), "{challenge}");
    assert!(challenge.contains(&format!("resource_metadata=\"{METADATA}\"")), "{challenge}");
    assert_eq!(app.platform.db.count("workspaces"), 1, "nothing created");
    let nothing = mcp_token(&app, "user_mia", "", json!({ "scope": null }));
    assert_eq!(call(&app, &nothing, "list_workspaces", json!({})).status, 403, "no scope, no reads");
    assert_eq!(result(&call(&app, &nothing, "whoami", json!({})))["isError"], false, "whoami needs no scope");
}

#[test]
fn a_client_granted_the_keys_scope_manages_api_keys_and_one_without_it_cannot() {
    let app = mcp_app();
    let token = mcp_token(&app, "user_mia", "read write keys", json!({}));
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    let me = result(&call(&app, &token, "whoami", json!({})));
    let personal = me["structuredContent"]["memberships"][0]["workspace"]["slug"].as_str().unwrap().to_owned();
    let made = result(&call(
        &app,
        &token,
        "create_api_key",
        json!({ "workspace": personal, "name": "ci", "scopes": ["read"], "expires_in_days": 30.0 }),
    ));
    assert_eq!(made["isError"], false, "{made}");
    let key = &made["structuredContent"]["api_key"];
    assert_eq!(
        (key["scopes"].clone(), key["expires_at"].clone()),
        (json!(["read"]), json!("2026-12-22T00:00:00.000Z"))
    );
    let secret = made["structuredContent"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/v1/orgs/{personal}"), Some(&secret)).status, 200, "the key works");
    let id = key["id"].as_str().unwrap().to_owned();
    let listed = result(&call(&app, &token, "list_api_keys", json!({ "workspace": personal })));
    let ids: Vec<&str> =
        listed["structuredContent"]["data"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&id.as_str()), "{listed}");
    assert!(!listed.to_string().contains(&secret), "never a secret in a list");
    let revoked = result(&call(&app, &token, "revoke_api_key", json!({ "workspace": personal, "key_id": id })));
    assert_eq!(revoked["isError"], false, "{revoked}");
    assert_eq!(error_code(&app.get(&format!("/v1/orgs/{personal}"), Some(&secret))), "api_key_invalid");

    // Without the keys scope: a 403 challenge naming it, and no key.
    let writer = mcp_token(&app, "user_mia", "read write", json!({}));
    let keys = app.platform.db.count("api_keys");
    let refused = call(&app, &writer, "create_api_key", json!({ "workspace": personal, "name": "no" }));
    assert_eq!(refused.status, 403);
    assert!(refused.header("www-authenticate").unwrap().contains("scope=\"keys\""), "{:?}", refused.headers);
    assert_eq!(app.platform.db.count("api_keys"), keys);
    // With it, only the scopes it was granted itself.
    let keyholder = mcp_token(&app, "user_mia", "read keys", json!({}));
    let body = json!({ "workspace": personal, "name": "more", "scopes": ["read", "write"] });
    let refused = call(&app, &keyholder, "create_api_key", body);
    assert_eq!(refused.status, 403);
    assert!(refused.header("www-authenticate").unwrap().contains("scope=\"write\""), "{:?}", refused.headers);
    assert_eq!(app.platform.db.count("api_keys"), keys);
}

#[test]
fn mcp_and_session_tokens_never_pass_for_each_other() {
    let app = mcp_app();
    let session = app.sign_in_token("user_ada", "ada@example.com");
    let at_mcp = rpc(&app, Some(&session), json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }));
    assert_eq!((at_mcp.status, error_code(&at_mcp).as_str()), (401, "token_issuer_invalid"));
    assert!(at_mcp.header("www-authenticate").unwrap().contains("error=\"invalid_token\""));
    let mcp = mcp_token(&app, "user_ada", "read write keys", json!({}));
    for path in ["/v1/me", "/v1/auth/session"] {
        let at_api = app.get(path, Some(&mcp));
        assert_eq!((at_api.status, error_code(&at_api).as_str()), (401, "token_issuer_invalid"), "{path}");
    }
    // One issuer for both (a deployment where the AuthKit domain issues session tokens too):
    // the audience tells them apart.
    let shared = spawn_app_with(&[("AUTHKIT_DOMAIN", AUTHKIT), ("WORKOS_ISSUERS", AUTHKIT)]);
    let mcp = mcp_token(&shared, "user_ada", "read", json!({}));
    assert_eq!(error_code(&shared.get("/v1/me", Some(&mcp))), "token_audience_invalid");
    let session = shared.token(json!({ "iss": AUTHKIT, "sub": "user_ada", "sid": "session_1" }));
    let at_mcp = rpc(&shared, Some(&session), json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }));
    assert_eq!(error_code(&at_mcp), "token_audience_invalid");
}

#[test]
fn the_token_attack_catalogue_fails_against_mcp_tokens_too() {
    let app = mcp_app();
    let ping =
        |token: &str| error_code(&rpc(&app, Some(token), json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" })));
    let good = mcp_token(&app, "user_mia", "read", json!({}));
    assert_eq!(result(&rpc(&app, Some(&good), json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }))), json!({}));
    let (header, payload, _) = {
        let mut parts = good.split('.');
        (parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned(), parts.next().unwrap().to_owned())
    };
    let none_alg = format!("{}.{payload}.AAAA", b64(br#"{"alg":"none","typ":"JWT"}"#));
    let hs256 = format!("{}.{payload}.{}", b64(br#"{"alg":"HS256","typ":"JWT","kid":"kid-1"}"#), b64(b"mac"));
    let forged = format!("{header}.{payload}.{}", b64(&[7u8; 256]));
    let cases = [
        (none_alg, "token_algorithm_invalid"),
        (hs256, "token_algorithm_invalid"),
        (forged, "token_signature_invalid"),
        (mcp_token(&app, "user_mia", "read", json!({ "aud": "https://evil.example/mcp" })), "token_audience_invalid"),
        (mcp_token(&app, "user_mia", "read", json!({ "aud": null })), "token_audience_invalid"),
        (mcp_token(&app, "user_mia", "read", json!({ "iss": "https://evil.authkit.test" })), "token_issuer_invalid"),
        (mcp_token(&app, "user_mia", "read", json!({ "exp": app.now_seconds() - 3600 })), "token_expired"),
        (mcp_token(&app, "user_mia", "read", json!({ "nbf": app.now_seconds() + 3600 })), "token_not_yet_valid"),
        (mcp_token(&app, "user_mia", "read", json!({ "sub": null })), "token_claim_missing"),
        ("not.a.jwt".to_owned(), "token_malformed"),
    ];
    for (token, expected) in cases {
        assert_eq!(ping(&token), expected, "{token}");
    }
}

#[test]
fn an_authkit_jwks_outage_without_a_cached_key_is_a_503() {
    let app = mcp_app();
    app.platform.workos.authkit_down.set(true);
    let token = mcp_token(&app, "user_mia", "read", json!({}));
    let down = rpc(&app, Some(&token), json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }));
    assert_eq!((down.status, error_code(&down).as_str()), (503, "jwks_unavailable"));
    assert!(down.header("retry-after").is_some());
    assert_eq!(app.get("/.well-known/oauth-authorization-server", None).status, 503);
    // The session trust is not affected: its keys come from WorkOS.
    let session = app.sign_in_token("user_ada", "ada@example.com");
    assert_eq!(app.get("/v1/auth/session", Some(&session)).status, 200);
}

#[test]
fn an_mcp_clients_first_contact_accepts_its_users_invitation() {
    let app = mcp_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Agents", "agents");
    app.invite(&ada.token, "agents", "mia@example.com", "member");
    app.platform.workos.users.borrow_mut().insert("user_mia".into(), "mia@example.com".into());
    let token = mcp_token(&app, "user_mia", "read", json!({}));
    let workspace = result(&call(&app, &token, "get_workspace", json!({ "workspace": "agents" })));
    assert_eq!(workspace["isError"], false, "provisioned and a member at first contact: {workspace}");
}
