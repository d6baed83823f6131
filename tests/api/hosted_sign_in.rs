//! Hosted sign-in and cookie sessions: the flow and its state, return_to, several tabs, the
//! session as a credential, welcome, the access token and its refresh race, logout.

use std::collections::HashMap;

use edge_auth::http::request::percent_decode;
use edge_auth::http::{ApiRequest, ApiResponse, Method};
use edge_auth::store::{purge_expired, PurgeLimits, Purged, PURGE_LIMITS};
use futures::executor::block_on;
use serde_json::json;

use crate::helpers::*;

pub const SESSION_COOKIE: &str = "__Host-edge_auth";
const FLOW_COOKIE: &str = "__Host-edge_auth_flow";

fn query_of(location: &str) -> HashMap<String, String> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k).unwrap(), percent_decode(v).unwrap()))
        .collect()
}

/// The value a `Set-Cookie` of the answer gives `name`.
pub fn set_cookie(response: &ApiResponse, name: &str) -> Option<String> {
    response
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap().to_owned()))
}

fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> ApiResponse {
    app.send(ApiRequest::new(Method::Get, path).with_header("cookie", cookie))
}

/// A started sign-in: the redirect to WorkOS and this browser's flow cookie.
struct Started {
    location: String,
    flow_cookie: String,
}

fn login(app: &TestApp, query: &str, flow_cookie: Option<&str>) -> Result<Started, ApiResponse> {
    let mut request = ApiRequest::new(Method::Get, &format!("/v1/auth/login{query}"));
    if let Some(flow) = flow_cookie {
        request = request.with_header("cookie", &format!("{FLOW_COOKIE}={flow}"));
    }
    let response = app.send(request);
    if response.status != 302 {
        return Err(response);
    }
    Ok(Started {
        location: response.header("location").unwrap().to_owned(),
        flow_cookie: set_cookie(&response, FLOW_COOKIE).expect("the flow cookie"),
    })
}

/// What WorkOS does once the person signs in as `email`: a code for the flow's PKCE challenge.
fn approve(app: &TestApp, started: &Started, user_id: &str, email: &str) -> (String, String) {
    let query = query_of(&started.location);
    app.platform.workos.users.borrow_mut().insert(user_id.to_owned(), email.to_owned());
    let code = format!("code_{}", random_jti());
    app.platform.workos.codes.borrow_mut().insert(code.clone(), (user_id.to_owned(), query["code_challenge"].clone()));
    (code, query["state"].clone())
}

fn callback(app: &TestApp, code: &str, state: &str, flow_cookie: &str) -> ApiResponse {
    app.send(
        ApiRequest::new(Method::Get, &format!("/v1/auth/callback?code={code}&state={state}"))
            .with_header("cookie", &format!("{FLOW_COOKIE}={flow_cookie}"))
            .with_header("accept", "application/json"),
    )
}

/// The browser sent back by WorkOS with `error=…` (a navigation: it asks for no JSON).
fn refused_by_workos(app: &TestApp, started: &Started, error: &str) -> ApiResponse {
    let state = query_of(&started.location)["state"].clone();
    app.send(
        ApiRequest::new(Method::Get, &format!("/v1/auth/callback?error={error}&state={state}"))
            .with_header("cookie", &format!("{FLOW_COOKIE}={}", started.flow_cookie)),
    )
}

/// A whole hosted sign-in, as the callback answers it (JSON when refused).
pub fn try_hosted_sign_in(app: &TestApp, user_id: &str, email: &str) -> ApiResponse {
    let started = login(app, "", None).unwrap_or_else(|r| panic!("{}", body_text(&r)));
    let (code, state) = approve(app, &started, user_id, email);
    callback(app, &code, &state, &started.flow_cookie)
}

/// A whole hosted sign-in; the `Cookie` header of the session.
pub fn hosted_sign_in(app: &TestApp, user_id: &str, email: &str) -> String {
    let response = try_hosted_sign_in(app, user_id, email);
    assert_eq!(response.status, 302, "{}", body_text(&response));
    format!("{SESSION_COOKIE}={}", set_cookie(&response, SESSION_COOKIE).expect("the session cookie"))
}

#[test]
fn login_sends_the_browser_to_authkit_with_pkce_and_a_state_bound_to_it() {
    let app = spawn_app();
    let started = login(&app, "?return_to=%2Fdashboard&login_hint=ada%40example.com", None).unwrap();
    assert!(started.location.starts_with(&format!("{API_BASE}/user_management/authorize?")), "{}", started.location);
    let query = query_of(&started.location);
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["redirect_uri"], "https://edge.test/v1/auth/callback");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["provider"], "authkit");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert!(query["state"].len() >= 43, "≥ 256 bits");
    assert_eq!(query["login_hint"], "ada@example.com");
    let flow = app.platform.db.rows("SELECT return_to, browser_hash FROM login_flows");
    assert_eq!(flow[0][0], json!("/dashboard"));
    assert_ne!(flow[0][1], json!(started.flow_cookie), "only the cookie's keyed hash is stored");

    let google = login(&app, "?provider=google", None).unwrap();
    assert_eq!(query_of(&google.location)["provider"], "GoogleOAuth");
    let org = login(&app, "?organization_id=org_123", None).unwrap();
    let query = query_of(&org.location);
    assert_eq!((query.get("organization_id").map(String::as_str), query.get("provider")), (Some("org_123"), None));
}

#[test]
fn impossible_combinations_and_foreign_return_tos_are_refused() {
    let app = spawn_app_with(&[("LOGIN_RETURN_ORIGINS", "https://app.example.com")]);
    assert!(login(&app, "?return_to=https%3A%2F%2Fapp.example.com%2Fhome", None).is_ok());
    assert!(login(&app, "?return_to=%2Fhome&utm_source=mail&utm_source=x", None).is_ok(), "unread ones are ignored");
    let template = login(&app, "?provider=&screen_hint=&return_to=", None).expect("an empty value counts as absent");
    assert_eq!(query_of(&template.location)["provider"], "authkit");
    for bad in [
        "?provider=google&organization_id=org_1",
        "?provider=myspace",
        "?provider=google&screen_hint=sign-up",
        "?screen_hint=register",
        "?return_to=%2F%2Fevil.example",
        "?return_to=%2F%5Cevil.example",
        "?return_to=https%3Aevil.example",
        "?return_to=https%3A%2F%2Fevil.example%2F",
        "?return_to=javascript%3Aalert(1)",
        "?return_to=%2F%252F%252Fevil.example",
        "?return_to=https%3A%2F%2Fapp.example.com%40evil.example",
        "?return_to=%2Fhome&return_to=%2F%2Fevil.example",
    ] {
        let refused = login(&app, bad, None).err().unwrap_or_else(|| panic!("{bad} was accepted"));
        assert_eq!((refused.status, error_code(&refused).as_str()), (400, "invalid_query"), "{bad}");
    }
    assert_eq!(app.platform.db.count("login_flows"), 3, "refusals start no flow");
}

#[test]
fn a_hosted_sign_in_provisions_once_and_the_cookie_is_a_credential() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    for table in ["users", "workspaces", "memberships", "api_keys", "sessions"] {
        assert_eq!(app.platform.db.count(table), 1, "{table}");
    }
    let me = get_with_cookie(&app, "/v1/me", &cookie);
    assert_eq!((me.status, me.json_body()["user"]["id"].clone()), (200, json!("user_ada")), "{}", body_text(&me));
    let orgs = get_with_cookie(&app, "/v1/orgs", &cookie);
    assert_eq!(orgs.json_body()["data"].as_array().unwrap().len(), 1);
    let session = get_with_cookie(&app, "/v1/auth/session", &cookie).json_body();
    assert_eq!(session["session"]["user"]["email"], "ada@example.com");
    assert_eq!(session["session"]["authentication_method"], "Password");
    // The cookie holds no token, only an id whose keyed hash is stored.
    let secret = cookie.split('=').nth(1).unwrap();
    assert_eq!(secret.len(), 43);
    assert_eq!(app.platform.db.scalar(&format!("SELECT count(*) FROM sessions WHERE id_hash = '{secret}'")), json!(0));
    let sealed = app.platform.db.rows("SELECT refresh_token_sealed FROM sessions");
    assert!(!sealed[0][0].as_str().unwrap().starts_with("rt_"), "the refresh token is sealed");
    // The first sign-in's key is shown once, never in a URL.
    let welcome = get_with_cookie(&app, "/v1/auth/welcome", &cookie);
    assert_eq!(welcome.status, 200);
    let secret = welcome.json_body()["default_api_key"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/me", Some(&secret)).status, 200, "the key works");
    let again = get_with_cookie(&app, "/v1/auth/welcome", &cookie);
    assert_eq!((again.status, error_code(&again).as_str()), (404, "welcome_not_found"));
    // Sign-in is in the personal workspace's trail.
    let actions = app.platform.db.rows("SELECT action FROM audit_events ORDER BY seq");
    assert!(actions.contains(&json!(["session.signed_in"])), "{actions:?}");
}

#[test]
fn a_header_wins_over_the_cookie() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let bob = app.sign_in("user_bob", "bob@example.com");
    let request = ApiRequest::new(Method::Get, "/v1/me")
        .with_header("cookie", &cookie)
        .with_header("authorization", &format!("Bearer {}", bob.token));
    assert_eq!(app.send(request).json_body()["user"]["id"], "user_bob");
}

#[test]
fn a_state_is_single_use_bound_to_its_browser_and_expires() {
    let app = spawn_app();
    let started = login(&app, "", None).unwrap();
    let (code, state) = approve(&app, &started, "user_ada", "ada@example.com");
    let foreign = callback(&app, &code, &state, &edge_auth::auth::session_cookie::new_secret());
    assert_eq!((foreign.status, error_code(&foreign).as_str()), (400, "sign_in_state_invalid"), "another browser");
    assert_eq!(callback(&app, &code, &state, &started.flow_cookie).status, 302);
    let replayed = callback(&app, &code, &state, &started.flow_cookie);
    assert_eq!(error_code(&replayed), "sign_in_state_invalid", "used");

    let late = login(&app, "", Some(&started.flow_cookie)).unwrap();
    let (code, state) = approve(&app, &late, "user_ada", "ada@example.com");
    app.advance_seconds(601);
    assert_eq!(error_code(&callback(&app, &code, &state, &late.flow_cookie)), "sign_in_state_invalid", "expired");
    assert_eq!(app.platform.db.count("sessions"), 1);
}

#[test]
fn an_error_from_workos_or_a_refused_code_makes_no_session_and_shows_a_page() {
    let app = spawn_app();
    let started = login(&app, "", None).unwrap();
    let page = refused_by_workos(&app, &started, "access_denied&error_description=no");
    assert_eq!(page.status, 400);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&page.body).contains("sign_in_refused"));
    let started = login(&app, "", Some(&started.flow_cookie)).unwrap();
    let state = query_of(&started.location)["state"].clone();
    let refused = callback(&app, "code_unknown", &state, &started.flow_cookie);
    assert_eq!((refused.status, error_code(&refused).as_str()), (400, "sign_in_refused"));
    assert_eq!(app.platform.db.count("sessions"), 0);
    assert_eq!(app.platform.db.count("users"), 0);
}

#[test]
fn the_failure_page_signs_in_again_to_the_same_place_with_the_same_invitation() {
    let app = spawn_app();
    let started = login(&app, "?return_to=%2Fbilling%3Ftab%3D2&invitation_token=inv_01", None).unwrap();
    let page = refused_by_workos(&app, &started, "server_error");
    let page = body_text(&page);
    let href = page.split("<a href=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a link");
    assert_eq!(href, "/v1/auth/login?return_to=%2Fbilling%3Ftab%3D2&amp;invitation_token=inv_01");

    let again =
        login(&app, href.replace("&amp;", "&").trim_start_matches("/v1/auth/login"), Some(&started.flow_cookie))
            .unwrap_or_else(|r| panic!("{}", body_text(&r)));
    assert_eq!(query_of(&again.location)["invitation_token"], "inv_01");
    let (code, state) = approve(&app, &again, "user_ada", "ada@example.com");
    let signed_in = callback(&app, &code, &state, &again.flow_cookie);
    assert_eq!(signed_in.header("location"), Some("/billing?tab=2"));

    let unknown = app.send(ApiRequest::new(Method::Get, "/v1/auth/callback?code=c&state=unknown"));
    assert!(body_text(&unknown).contains("<a href=\"/v1/auth/login\">"), "no flow, nothing to carry");
}

#[test]
fn a_sign_in_authkit_started_itself_goes_round_our_own_and_its_code_is_never_exchanged() {
    let app = spawn_app();
    // What AuthKit sends after someone signs up through an invitation WorkOS emailed: a code, no
    // state. The code is real (WorkOS would exchange it); nothing ties it to this browser.
    app.platform.workos.users.borrow_mut().insert("user_ada".into(), "ada@example.com".into());
    app.platform.workos.codes.borrow_mut().insert("code_authkit".into(), ("user_ada".into(), String::new()));
    let round = app.send(ApiRequest::new(Method::Get, "/v1/auth/callback?code=code_authkit"));
    assert_eq!((round.status, round.header("location")), (302, Some("/v1/auth/login")));
    assert!(round.headers.iter().all(|(name, _)| name != "set-cookie"), "no session, no flow");
    assert!(app.platform.workos.codes.borrow().contains_key("code_authkit"), "the code is not spent");
    assert_eq!(app.platform.db.count("sessions"), 0);
    // A browser with a flow of ours whose state went missing, or an error without a state: the page.
    let started = login(&app, "", None).unwrap();
    let lost = app.send(
        ApiRequest::new(Method::Get, "/v1/auth/callback?code=code_authkit")
            .with_header("cookie", &format!("{FLOW_COOKIE}={}", started.flow_cookie)),
    );
    assert_eq!((lost.status, body_text(&lost).contains("sign_in_state_invalid")), (400, true));
    let refused = app.send(ApiRequest::new(Method::Get, "/v1/auth/callback?error=access_denied"));
    assert_eq!(refused.status, 400);
}

#[test]
fn several_tabs_of_one_browser_all_sign_in() {
    let app = spawn_app();
    let first = login(&app, "?return_to=%2Fa", None).unwrap();
    let tabs: Vec<Started> =
        (0..3).map(|_| login(&app, "?return_to=%2Fb", Some(&first.flow_cookie)).unwrap()).collect();
    assert!(tabs.iter().all(|tab| tab.flow_cookie == first.flow_cookie), "one cookie per browser");
    for tab in tabs.iter().rev().chain([&first]) {
        let (code, state) = approve(&app, tab, "user_ada", "ada@example.com");
        let response = callback(&app, &code, &state, &tab.flow_cookie);
        assert_eq!(response.status, 302, "{}", body_text(&response));
    }
    assert_eq!(app.platform.db.count("sessions"), 4);
    assert_eq!(app.platform.db.count("workspaces"), 1, "provisioned once");
}

#[test]
fn a_browser_keeps_at_most_ten_open_flows() {
    let app = spawn_app();
    let first = login(&app, "", None).unwrap();
    for _ in 0..15 {
        login(&app, "", Some(&first.flow_cookie)).unwrap();
        app.advance_seconds(1);
    }
    assert_eq!(app.platform.db.count("login_flows"), 10);
}

#[test]
fn logout_ends_the_session_here_and_at_workos_and_the_old_cookie_is_refused() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let response = app.send(
        ApiRequest::new(Method::Post, "/v1/auth/logout")
            .with_header("cookie", &cookie)
            .with_header("origin", "https://edge.test"),
    );
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let logout_url = response.json_body()["logout_url"].as_str().unwrap().to_owned();
    assert!(logout_url.starts_with(&format!("{API_BASE}/user_management/sessions/logout?session_id=session_")));
    assert!(logout_url.ends_with("&return_to=https%3A%2F%2Fedge.test%2F"), "{logout_url}");
    assert_eq!(set_cookie(&response, SESSION_COOKIE).as_deref(), Some(""), "cleared");
    assert!(response.headers.iter().any(|(k, v)| k == "set-cookie" && v.contains("Max-Age=0")));
    assert_eq!(app.platform.workos.revoked_sessions.borrow().len(), 1, "revoked at WorkOS");
    let reused = get_with_cookie(&app, "/v1/me", &cookie);
    assert_eq!((reused.status, error_code(&reused).as_str()), (401, "session_expired"));
    assert_eq!(set_cookie(&reused, SESSION_COOKIE).as_deref(), Some(""), "a dead cookie is dropped");
    // Where the header is the credential, the cookie was not refused and is left alone.
    let with_bearer = app.send(
        ApiRequest::new(Method::Get, "/v1/me")
            .with_header("cookie", &cookie)
            .with_header("authorization", "Bearer nope"),
    );
    assert_eq!((with_bearer.status, set_cookie(&with_bearer, SESSION_COOKIE)), (401, None));
    let actions = app.platform.db.rows("SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1");
    assert_eq!(actions, [json!(["session.signed_out"])]);
}

fn access_token(app: &TestApp, cookie: &str) -> ApiResponse {
    get_with_cookie(app, "/v1/auth/access-token", cookie)
}

/// [`access_token`] as a future not yet run, for requests that overlap.
async fn access_token_concurrently(app: &TestApp, cookie: &str) -> ApiResponse {
    let request = ApiRequest::new(Method::Get, "/v1/auth/access-token").with_header("cookie", cookie);
    let platform_app = edge_auth::app::App::new(&app.platform, &app.config, &app.isolate);
    edge_auth::routes::handle(&platform_app, &request).await
}

#[test]
fn the_access_token_is_refreshed_only_near_its_expiry() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let first = access_token(&app, &cookie);
    assert_eq!(first.status, 200, "{}", body_text(&first));
    assert_eq!(app.platform.workos.refresh_requests.get(), 0, "fresh: no refresh");
    app.advance_seconds(250); // within 60 s of its 5-minute expiry
    let refreshed = access_token(&app, &cookie);
    assert_eq!(app.platform.workos.refresh_requests.get(), 1);
    assert_ne!(refreshed.json_body()["access_token"], first.json_body()["access_token"]);
    let again = access_token(&app, &cookie);
    assert_eq!(again.json_body()["access_token"], refreshed.json_body()["access_token"]);
    assert_eq!(app.platform.workos.refresh_requests.get(), 1);
    // The new token is a real WorkOS token of this user.
    let token = refreshed.json_body()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/auth/session", Some(&token)).json_body()["identity"]["user_id"], "user_ada");
}

#[test]
fn fifty_concurrent_requests_in_the_refresh_window_make_one_refresh_and_sign_nobody_out() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    app.advance_seconds(250);
    let answers = block_on(futures::future::join_all((0..50).map(|_| access_token_concurrently(&app, &cookie))));
    assert!(answers.iter().all(|a| a.status == 200), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    assert_eq!(app.platform.workos.refresh_requests.get(), 1, "exactly one refresh");
    assert_eq!(access_token(&app, &cookie).status, 200, "still signed in");
}

#[test]
fn a_transient_refresh_failure_keeps_the_session_and_a_terminal_one_ends_it() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let first = access_token(&app, &cookie).json_body()["access_token"].clone();
    app.advance_seconds(250);
    app.platform.workos.refresh_failure.set(RefreshFailure::RateLimited);
    let kept = access_token(&app, &cookie);
    assert_eq!((kept.status, kept.json_body()["access_token"].clone()), (200, first), "the still-valid token");
    app.advance_seconds(60); // now expired
    app.platform.workos.refresh_failure.set(RefreshFailure::Unavailable);
    let down = access_token(&app, &cookie);
    assert_eq!((down.status, error_code(&down).as_str()), (503, "workos_unavailable"));
    assert!(down.header("retry-after").is_some());
    assert_eq!(get_with_cookie(&app, "/v1/me", &cookie).status, 200, "the session survives");
    app.platform.workos.refresh_failure.set(RefreshFailure::InvalidGrant);
    let ended = access_token(&app, &cookie);
    assert_eq!((ended.status, error_code(&ended).as_str()), (401, "session_expired"));
    assert_eq!(set_cookie(&ended, SESSION_COOKIE).as_deref(), Some(""), "the browser drops the cookie");
    assert_eq!(app.platform.db.count("sessions"), 0);
    app.platform.workos.refresh_failure.set(RefreshFailure::None);
    assert_eq!(error_code(&get_with_cookie(&app, "/v1/me", &cookie)), "session_expired");
}

#[test]
fn a_d1_blip_after_workos_rotated_the_refresh_token_does_not_lose_it() {
    // Once WorkOS has answered a refresh, the token the session held is spent: the write of the
    // new one is the only copy. A transient D1 failure there gets one more try.
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    app.advance_seconds(310); // expired
    let lost = "D1_ERROR: Network connection lost.";
    app.platform.db.fail_statement.replace(Some(("UPDATE sessions SET organization_id", lost.to_owned(), 1)));
    let refreshed = access_token(&app, &cookie);
    assert_eq!(refreshed.status, 200, "{}", body_text(&refreshed));
    assert_eq!(app.platform.workos.refresh_requests.get(), 1);
    app.advance_seconds(310);
    assert_eq!(access_token(&app, &cookie).status, 200, "the rotated refresh token was kept");

    // D1 down for both tries: the answer is a retryable 503, and the token is kept in KV.
    app.advance_seconds(310);
    app.platform.db.fail_statement.replace(Some(("UPDATE sessions SET organization_id", lost.to_owned(), 2)));
    let down = access_token(&app, &cookie);
    assert_eq!((down.status, error_code(&down).as_str()), (503, "storage_unavailable"));
    assert_eq!(app.platform.workos.refresh_requests.get(), 3);
    // Its claim was never released; the next request after it lapses takes it over, finds KV
    // unreadable, and spends nothing: whether a token was kept is not known.
    app.advance_seconds(16);
    app.platform.kv.down.set(true);
    let unknown = access_token(&app, &cookie);
    assert_eq!(unknown.status, 503, "{}", body_text(&unknown));
    assert!(unknown.header("retry-after").is_some());
    assert_eq!(app.platform.workos.refresh_requests.get(), 3, "the spent token was not presented");
    app.platform.kv.down.set(false);
    app.advance_seconds(16);
    let rescued = access_token(&app, &cookie);
    assert_eq!(rescued.status, 200, "the kept token refreshed: {}", body_text(&rescued));
    assert_eq!(app.platform.workos.refresh_requests.get(), 4);
    // The chain goes on from there: the row took the kept token, then the new one.
    app.advance_seconds(310);
    assert_eq!(access_token(&app, &cookie).status, 200, "the next refresh too");
    assert_eq!(app.platform.workos.refresh_requests.get(), 5);
    assert_eq!(get_with_cookie(&app, "/v1/me", &cookie).status, 200);
}

/// A signed-in session whose token has expired, refreshed once at WorkOS while D1 fails both
/// tries of storing the answer (`kv_down`: KV fails too); the session's cookie.
fn a_refresh_d1_could_not_store(app: &TestApp, kv_down: bool) -> String {
    let cookie = hosted_sign_in(app, "user_ada", "ada@example.com");
    app.advance_seconds(310);
    let lost = "D1_ERROR: Network connection lost.";
    app.platform.db.fail_statement.replace(Some(("UPDATE sessions SET organization_id", lost.to_owned(), 2)));
    app.platform.kv.down.set(kv_down);
    let down = access_token(app, &cookie);
    assert_eq!((down.status, error_code(&down).as_str()), (503, "storage_unavailable"));
    app.platform.kv.down.set(false);
    cookie
}

#[test]
fn a_kept_refresh_token_survives_workos_failing_the_refresh_that_takes_it_up() {
    let app = spawn_app();
    let cookie = a_refresh_d1_could_not_store(&app, false);
    // The next refresh adopts the kept token and WorkOS is down: the row holds the kept token
    // now, so WorkOS answering again later refreshes with it.
    app.advance_seconds(16);
    app.platform.workos.refresh_failure.set(RefreshFailure::Unavailable);
    assert_eq!(error_code(&access_token(&app, &cookie)), "workos_unavailable");
    app.platform.workos.refresh_failure.set(RefreshFailure::None);
    let refreshed = access_token(&app, &cookie);
    assert_eq!(refreshed.status, 200, "{}", body_text(&refreshed));
    assert_eq!(app.platform.workos.refresh_requests.get(), 3);
}

#[test]
fn a_refresh_that_d1_and_kv_both_fail_to_keep_is_lost_as_before() {
    // The limit of the rescue, held here so that it is known: with KV down as well, the rotated
    // token has nowhere to go, and the next refresh presents the spent one.
    let app = spawn_app();
    let cookie = a_refresh_d1_could_not_store(&app, true);
    app.advance_seconds(16);
    assert_eq!(error_code(&access_token(&app, &cookie)), "session_expired");
}

#[test]
fn a_refresh_as_slow_as_workos_calls_may_be_is_not_overtaken() {
    // WORKOS_TIMEOUT_MS allows a WorkOS call up to 30 s. A refresh that takes 20 s must still hold
    // its claim when another request of the session arrives: a second refresh would present the
    // refresh token the first is spending, and WorkOS's `invalid_grant` would end the session.
    let app = spawn_app_with(&[("WORKOS_TIMEOUT_MS", "30000")]);
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    app.advance_seconds(250);
    app.platform.workos.refresh_takes_ms.set(20_000);
    let slow = access_token_concurrently(&app, &cookie);
    let sent_at = app.platform.now.get();
    let meanwhile = async {
        // Arrives while the first refresh is at WorkOS, 20 s after it was sent.
        while app.platform.now.get() < sent_at + 20_000 {
            yield_now().await;
        }
        access_token_concurrently(&app, &cookie).await
    };
    let (slow, meanwhile) = block_on(futures::future::join(slow, meanwhile));
    assert_eq!((slow.status, meanwhile.status), (200, 200), "{} / {}", body_text(&slow), body_text(&meanwhile));
    assert_eq!(app.platform.workos.refresh_requests.get(), 1, "one refresh");
    app.platform.workos.refresh_takes_ms.set(0);
    let now = access_token(&app, &cookie);
    assert_eq!(
        now.json_body()["access_token"],
        slow.json_body()["access_token"],
        "the slow refresh's tokens were stored"
    );
}

#[test]
fn a_refresh_whose_new_token_cannot_be_verified_yet_loses_nothing() {
    // WorkOS rotates its signing key; the refresh that first gets a token signed with the new
    // key finds the key set unreachable. The refresh token WorkOS just rotated is the only one
    // that works now: losing it would sign the user out once the JWKS is back.
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let first = access_token(&app, &cookie).json_body()["access_token"].clone();
    app.advance_seconds(250);
    app.platform.workos.rotate_signing_key();
    app.platform.workos.outage.set(Outage::Unavailable);
    let during = access_token(&app, &cookie);
    assert_eq!((during.status, during.json_body()["access_token"].clone()), (200, first), "the still-valid token");
    app.platform.workos.outage.set(Outage::None);
    app.advance_seconds(31); // past the JWKS cooldown, still within the refresh window
    let after = access_token(&app, &cookie);
    assert_eq!(after.status, 200, "{}", body_text(&after));
    assert_eq!(app.platform.workos.refresh_requests.get(), 2, "refreshed again with the rotated refresh token");
    let token = after.json_body()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/auth/session", Some(&token)).json_body()["identity"]["user_id"], "user_ada");
    assert_eq!(get_with_cookie(&app, "/v1/me", &cookie).status, 200, "still signed in");
}

#[test]
fn an_expired_token_whose_refresh_cannot_be_verified_yet_is_a_503_and_the_session_survives() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    app.advance_seconds(310); // the access token has expired
    app.platform.workos.rotate_signing_key();
    app.platform.workos.outage.set(Outage::Unavailable);
    let during = access_token(&app, &cookie);
    assert_eq!((during.status, error_code(&during).as_str()), (503, "workos_unavailable"));
    assert_eq!(during.header("retry-after"), Some("30"), "when the key set may be asked again");
    assert_eq!(get_with_cookie(&app, "/v1/me", &cookie).status, 200, "the API still answers the session");
    app.advance_seconds(10);
    let again = access_token(&app, &cookie);
    assert_eq!(again.status, 503);
    assert_eq!(app.platform.workos.refresh_requests.get(), 1, "no refresh before the key set can be asked again");
    app.platform.workos.outage.set(Outage::None);
    app.advance_seconds(21);
    let after = access_token(&app, &cookie);
    assert_eq!(after.status, 200, "{}", body_text(&after));
    assert_eq!(app.platform.db.count("sessions"), 1);
}

#[test]
fn the_answers_of_the_session_routes_match_the_document() {
    let app = spawn_app();
    let doc = crate::openapi::document();
    let conforms =
        |method: Method, path: &str, response: &ApiResponse| crate::openapi::conforms(&doc, method, path, response);
    let started = login(&app, "", None).unwrap();
    let (code, state) = approve(&app, &started, "user_ada", "ada@example.com");
    let signed_in = callback(&app, &code, &state, &started.flow_cookie);
    conforms(Method::Get, "/v1/auth/callback", &signed_in);
    conforms(Method::Get, "/v1/auth/callback", &callback(&app, &code, &state, &started.flow_cookie));
    let cookie = format!("{SESSION_COOKIE}={}", set_cookie(&signed_in, SESSION_COOKIE).unwrap());
    conforms(Method::Get, "/v1/auth/welcome", &get_with_cookie(&app, "/v1/auth/welcome", &cookie));
    conforms(Method::Get, "/v1/auth/welcome", &get_with_cookie(&app, "/v1/auth/welcome", &cookie));
    conforms(Method::Get, "/v1/auth/session", &get_with_cookie(&app, "/v1/auth/session", &cookie));
    conforms(Method::Get, "/v1/auth/access-token", &access_token(&app, &cookie));
    let logout = app.send(
        ApiRequest::new(Method::Post, "/v1/auth/logout")
            .with_header("cookie", &cookie)
            .with_header("origin", "https://edge.test"),
    );
    conforms(Method::Post, "/v1/auth/logout", &logout);
    conforms(Method::Get, "/v1/auth/access-token", &access_token(&app, &cookie));
    conforms(Method::Get, "/v1/auth/login", &app.get("/v1/auth/login?provider=nope", None));
}

#[test]
fn the_scheduled_job_purges_expired_flows_and_sessions() {
    let app = spawn_app_with(&[("SESSION_IDLE_SECONDS", "3600")]);
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    login(&app, "", None).unwrap();
    assert_eq!((app.platform.db.count("login_flows"), app.platform.db.count("sessions")), (1, 1));
    app.advance_seconds(3601);
    let purged = block_on(purge_expired(&app.platform.db, app.platform.now.get(), PURGE_LIMITS)).unwrap();
    assert!(purged.rows >= 2 && purged.finished, "{purged:?}");
    assert_eq!((app.platform.db.count("login_flows"), app.platform.db.count("sessions")), (0, 0));
    assert_eq!(error_code(&get_with_cookie(&app, "/v1/me", &cookie)), "session_expired");
}

#[test]
fn a_backlog_of_expired_rows_is_purged_in_bounded_statements_over_as_many_runs_as_it_takes() {
    let app = spawn_app();
    hosted_sign_in(&app, "user_ada", "ada@example.com");
    let live_flow = |i: i64| format!("('live{i}', 'browser', 'verifier', '/', NULL, 0, 9999999999999)");
    let expired_flow = |i: i64| format!("('gone{i}', 'browser', 'verifier', '/', NULL, 0, 1)");
    let rows: Vec<String> = (0..25).map(expired_flow).chain((0..3).map(live_flow)).collect();
    app.platform.db.connection.execute_batch(&format!(
        "INSERT INTO login_flows (state, browser_hash, code_verifier, return_to, invitation_token, created_at, expires_at) VALUES {};",
        rows.join(", ")
    )).unwrap();
    app.platform.db.connection.execute_batch("UPDATE sessions SET idle_expires_at = 1;").unwrap();
    let limits = PurgeLimits { rows_per_statement: 10, statements_per_kind: 2 };
    let (before, now) = (app.platform.db.round_trips.get(), app.platform.now.get());
    // Answers: one statement (none to purge). Flows: 10, 10, and that kind's budget is spent; the
    // sessions are purged all the same: past their lifetime (none), idle (the one); WorkOS events
    // and invitations: one statement each (none).
    let first = block_on(purge_expired(&app.platform.db, now, limits)).unwrap();
    assert_eq!(first, Purged { rows: 21, finished: false });
    assert_eq!(app.platform.db.round_trips.get() - before, 7, "one statement at a time, within each kind's budget");
    assert_eq!(app.platform.db.count("sessions"), 0);
    // The next run takes the rest.
    let second = block_on(purge_expired(&app.platform.db, now, limits)).unwrap();
    assert_eq!(second, Purged { rows: 5, finished: true });
    assert_eq!(app.platform.db.count("login_flows"), 3, "live flows stay");
}

#[test]
fn a_session_revoked_at_workos_ends_on_the_first_request_after_its_token_expires() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    app.advance_seconds(280);
    assert_eq!(get_with_cookie(&app, "/v1/me", &cookie).status, 200, "ordinary requests do not refresh");
    assert_eq!(app.platform.workos.refresh_requests.get(), 0);
    // Expired while WorkOS is down: the request goes on, authorised by D1's roles.
    app.advance_seconds(30);
    app.platform.workos.refresh_failure.set(RefreshFailure::Unavailable);
    assert_eq!(get_with_cookie(&app, "/v1/orgs", &cookie).status, 200);
    assert_eq!(app.platform.workos.refresh_requests.get(), 1, "it tried");
    // WorkOS back, and the session revoked there: the next request ends it.
    app.platform.workos.refresh_failure.set(RefreshFailure::None);
    for session in app.platform.workos.sessions.borrow_mut().values_mut() {
        session.revoked = true;
    }
    let ended = get_with_cookie(&app, "/v1/me", &cookie);
    assert_eq!((ended.status, error_code(&ended).as_str()), (401, "session_expired"));
    assert_eq!(app.platform.db.count("sessions"), 0);
}

#[test]
fn a_cookie_request_makes_the_round_trips_of_a_bearer_request() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let token = app.sign_in_token("user_ada", "ada@example.com");
    let org = get_with_cookie(&app, "/v1/orgs", &cookie).json_body()["data"][0]["id"].as_str().unwrap().to_owned();
    let trips = |request: ApiRequest| {
        let before = app.round_trips();
        let response = app.send(request);
        assert!(response.status < 300, "{}", body_text(&response));
        app.round_trips() - before
    };
    for path in
        ["/v1/me".to_owned(), "/v1/orgs".to_owned(), format!("/v1/orgs/{org}"), format!("/v1/orgs/{org}/members")]
    {
        let by_cookie = trips(ApiRequest::new(Method::Get, &path).with_header("cookie", &cookie));
        let by_token =
            trips(ApiRequest::new(Method::Get, &path).with_header("authorization", &format!("Bearer {token}")));
        assert_eq!((by_cookie, by_token), (1, 1), "{path}: the session read joins the route's batch");
    }
}
