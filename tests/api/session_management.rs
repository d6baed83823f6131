//! Session management: password sign-up and sign-in, provider identities, the organisation
//! switch, and a user's own sessions (list, revoke one, revoke all others).

use edge_auth::http::{ApiRequest, ApiResponse, Method};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::hosted_sign_in::{hosted_sign_in, set_cookie, SESSION_COOKIE};

const OWN: &str = "https://edge.test";

fn post_json(app: &TestApp, path: &str, body: Value, cookie: Option<&str>) -> ApiResponse {
    let mut request = ApiRequest::new(Method::Post, path).with_header("origin", OWN).with_json(&body);
    if let Some(cookie) = cookie {
        request = request.with_header("cookie", cookie);
    }
    app.send(request)
}

fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str) -> ApiResponse {
    app.send(ApiRequest::new(method, path).with_header("cookie", cookie).with_header("origin", OWN))
}

fn cookie_of(response: &ApiResponse) -> String {
    format!("{SESSION_COOKIE}={}", set_cookie(response, SESSION_COOKIE).expect("the session cookie"))
}

fn sign_up(app: &TestApp, email: &str, password: &str) -> ApiResponse {
    post_json(app, "/v1/auth/sign-up", json!({ "email": email, "password": password, "first_name": "Pat" }), None)
}

fn sign_in(app: &TestApp, email: &str, password: &str) -> ApiResponse {
    post_json(app, "/v1/auth/sign-in", json!({ "email": email, "password": password }), None)
}

#[test]
fn sign_up_creates_the_user_signs_them_in_and_provisions_them_like_hosted_sign_in() {
    let app = spawn_app();
    let signed_up = sign_up(&app, "pat@example.com", "long enough pw");
    assert_eq!(signed_up.status, 201, "{}", body_text(&signed_up));
    assert_eq!(signed_up.json_body()["first_sign_in"], true);
    assert_eq!(signed_up.json_body()["user"]["email"], "pat@example.com");
    let cookie = cookie_of(&signed_up);
    let welcome = with_cookie(&app, Method::Get, "/v1/auth/welcome", &cookie);
    assert!(welcome.json_body()["default_api_key"]["secret"].as_str().unwrap().starts_with("eak_"));
    let me = with_cookie(&app, Method::Get, "/v1/me", &cookie);
    assert_eq!(me.json_body()["memberships"][0]["workspace"]["personal"], true);
    let events = app.platform.db.rows("SELECT action FROM audit_events ORDER BY seq");
    assert!(events.contains(&json!(["session.signed_in"])), "{events:?}");

    let taken = sign_up(&app, "PAT@example.com", "another long pw");
    assert_eq!((taken.status, error_code(&taken).as_str()), (409, "email_taken"));
    let weak = sign_up(&app, "weak@example.com", "short");
    assert_eq!((weak.status, error_code(&weak).as_str()), (422, "password_rejected"));
    assert!(weak.json_body()["error"]["message"].as_str().unwrap().contains("at least 10 characters"));
    assert_eq!(error_code(&sign_up(&app, "not an email", "long enough pw")), "invalid_body");
}

#[test]
fn a_sign_up_retried_after_workos_timed_out_signs_the_person_in() {
    let app = spawn_app();
    // WorkOS creates the user, then times out on the password grant.
    app.platform.workos.outage.set(Outage::Timeout);
    let timed_out = sign_up(&app, "pat@example.com", "long enough pw");
    assert_eq!((timed_out.status, error_code(&timed_out).as_str()), (503, "workos_unavailable"));
    assert_eq!(app.platform.workos.users.borrow().len(), 1, "the user exists at WorkOS");
    assert_eq!(app.platform.db.count("users"), 0, "and not yet here");

    app.platform.workos.outage.set(Outage::None);
    let retried = sign_up(&app, "pat@example.com", "long enough pw");
    assert_eq!(retried.status, 200, "{}", body_text(&retried));
    assert_eq!(retried.json_body()["first_sign_in"], true, "provisioned now");
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &cookie_of(&retried)).status, 200);
    assert_eq!(app.platform.db.count("workspaces"), 1);

    let another = sign_up(&app, "pat@example.com", "someone else's pw");
    assert_eq!((another.status, error_code(&another).as_str()), (409, "email_taken"), "not its password");
    assert_eq!(app.platform.db.count("sessions"), 1);
}

#[test]
fn sign_in_checks_the_password_and_answers_workos_refusals_clearly() {
    let app = spawn_app();
    assert_eq!(sign_up(&app, "pat@example.com", "long enough pw").status, 201);
    let wrong = sign_in(&app, "pat@example.com", "wrong password");
    assert_eq!((wrong.status, error_code(&wrong).as_str()), (401, "invalid_credentials"));
    assert_eq!(error_code(&sign_in(&app, "nobody@example.com", "long enough pw")), "invalid_credentials");
    let again = sign_in(&app, "pat@example.com", "long enough pw");
    assert_eq!(again.status, 200, "{}", body_text(&again));
    assert_eq!(again.json_body()["first_sign_in"], false);
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &cookie_of(&again)).status, 200);

    let user_id = again.json_body()["user"]["id"].as_str().unwrap().to_owned();
    app.platform.workos.unverified.borrow_mut().insert(user_id);
    app.platform.workos.email_verification_required.set(true);
    let unverified = sign_in(&app, "pat@example.com", "long enough pw");
    assert_eq!((unverified.status, error_code(&unverified).as_str()), (403, "email_verification_required"));
    // The code WorkOS mailed is asked for by the hosted sign-in, which the answer points to.
    assert_eq!(unverified.json_body()["error"]["authorize_url"], "/v1/auth/login?login_hint=pat%40example.com");
}

#[test]
fn a_password_sign_in_that_workos_wants_more_of_is_sent_to_hosted_sign_in() {
    let app = spawn_app();
    let signed_up = sign_up(&app, "pat+work@example.com", "long enough pw");
    let user_id = signed_up.json_body()["user"]["id"].as_str().unwrap().to_owned();
    let sessions_before = app.platform.db.count("sessions");
    let member_of =
        |org: &str| app.platform.workos.memberships.borrow_mut().insert((user_id.clone(), org.into()), "member".into());
    let hosted_url = "/v1/auth/login?login_hint=pat%2Bwork%40example.com";

    member_of("org_mfa");
    app.platform.workos.org_requirements.borrow_mut().insert("org_mfa".into(), "mfa_enrollment");
    let mfa = sign_in(&app, "pat+work@example.com", "long enough pw");
    assert_eq!((mfa.status, error_code(&mfa).as_str()), (409, "hosted_sign_in_required"), "{}", body_text(&mfa));
    assert_eq!(mfa.json_body()["error"]["authorize_url"], hosted_url);
    assert!(mfa.header("set-cookie").is_none());

    app.platform.workos.org_requirements.borrow_mut().clear();
    member_of("org_other");
    let choose = sign_in(&app, "pat+work@example.com", "long enough pw");
    assert_eq!((choose.status, error_code(&choose).as_str()), (409, "hosted_sign_in_required"));
    assert!(body_text(&choose).contains("organization_selection_required"), "{}", body_text(&choose));
    assert_eq!(app.platform.db.count("sessions"), sessions_before, "no session was made");

    // A sign-up of the taken email with its password is a sign-in, and is sent there too.
    let retried = sign_up(&app, "pat+work@example.com", "long enough pw");
    assert_eq!(error_code(&retried), "hosted_sign_in_required");
    // A wrong password is still a wrong password.
    assert_eq!(error_code(&sign_in(&app, "pat+work@example.com", "wrong password")), "invalid_credentials");
}

#[test]
fn password_routes_are_origin_checked_and_rate_limited() {
    let app = spawn_app();
    let body = json!({ "email": "pat@example.com", "password": "long enough pw" });
    for origin in [None, Some("https://evil.example")] {
        let mut request = ApiRequest::new(Method::Post, "/v1/auth/sign-up").with_json(&body);
        if let Some(origin) = origin {
            request = request.with_header("origin", origin);
        }
        assert_eq!(error_code(&app.send(request)), "origin_refused", "{origin:?}");
    }
    assert_eq!(app.platform.workos.users.borrow().len(), 0, "nothing was created");
    app.platform.sign_in_limiter.limit.set(2);
    for _ in 0..2 {
        assert_eq!(error_code(&sign_in(&app, "nobody@example.com", "whatever pw")), "invalid_credentials");
    }
    let limited = sign_in(&app, "nobody@example.com", "whatever pw");
    assert_eq!((limited.status, limited.header("retry-after")), (429, Some("60")));
}

#[test]
fn identities_are_recorded_at_sign_in_and_shown_in_me() {
    let app = spawn_app();
    let identity = json!({ "idp_id": "google-123", "type": "OAuth", "provider": "GoogleOAuth" });
    app.platform.workos.identities.borrow_mut().insert("user_ada".into(), json!([identity]));
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let me = with_cookie(&app, Method::Get, "/v1/me", &cookie);
    assert_eq!(me.json_body()["identities"], json!([identity]));
    // A second sign-in records nothing twice; a bearer caller sees them too.
    hosted_sign_in(&app, "user_ada", "ada@example.com");
    assert_eq!(app.platform.db.count("user_identities"), 1);
    let token = app.sign_in_token("user_ada", "ada@example.com");
    assert_eq!(app.get("/v1/me", Some(&token)).json_body()["identities"], json!([identity]));
}

fn session_of(app: &TestApp, cookie: &str) -> Value {
    with_cookie(app, Method::Get, "/v1/auth/session", cookie).json_body()["session"].clone()
}

#[test]
fn switching_organisation_moves_the_tokens_and_refusals_leave_the_session_as_it_was() {
    let app = spawn_app();
    let cookie = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let switch =
        |org: &str| post_json(&app, "/v1/auth/session/organization", json!({ "organization_id": org }), Some(&cookie));
    let before = session_of(&app, &cookie);
    let refreshes = app.platform.workos.refresh_requests.get();

    let stranger = switch("org_other");
    assert_eq!((stranger.status, error_code(&stranger).as_str()), (403, "organization_not_member"));
    assert_eq!(app.platform.workos.refresh_requests.get(), refreshes, "nothing spent");
    app.platform.workos.memberships.borrow_mut().insert(("user_ada".into(), "org_sso".into()), "admin".into());
    app.platform.workos.org_requirements.borrow_mut().insert("org_sso".into(), "sso_required");
    let sso = switch("org_sso");
    assert_eq!((sso.status, error_code(&sso).as_str()), (409, "organization_sign_in_required"));
    assert_eq!(sso.json_body()["error"]["authorize_url"], "/v1/auth/login?organization_id=org_sso");
    assert_eq!(session_of(&app, &cookie)["organization_id"], before["organization_id"], "unchanged");
    assert_eq!(with_cookie(&app, Method::Get, "/v1/auth/access-token", &cookie).status, 200, "still usable");

    app.platform.workos.org_requirements.borrow_mut().clear();
    let switched = switch("org_sso");
    assert_eq!(switched.status, 200, "{}", body_text(&switched));
    assert_eq!(switched.json_body()["session"]["organization_id"], "org_sso");
    assert_eq!(switched.json_body()["session"]["role"], "admin");
    let token = with_cookie(&app, Method::Get, "/v1/auth/access-token", &cookie).json_body();
    let identity = app.get("/v1/auth/session", token["access_token"].as_str()).json_body();
    assert_eq!(identity["identity"]["org_id"], "org_sso");

    assert_eq!(error_code(&switch("not an org")), "invalid_body");
    let bearer = app.sign_in_token("user_bob", "bob@example.com");
    let with_token = app.send(
        ApiRequest::new(Method::Post, "/v1/auth/session/organization")
            .with_header("authorization", &format!("Bearer {bearer}"))
            .with_json(&json!({ "organization_id": "org_sso" })),
    );
    assert_eq!(error_code(&with_token), "not_authenticated", "the session cookie is what moves");
}

#[test]
fn a_user_lists_their_sessions_pages_them_and_revokes_one() {
    let app = spawn_app();
    let first = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let second = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let third = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let listed = with_cookie(&app, Method::Get, "/v1/me/sessions?limit=2", &third);
    assert_eq!(listed.status, 200, "{}", body_text(&listed));
    let page = listed.json_body();
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["data"][0]["current"], true, "newest first, and it is this one");
    assert_eq!(page["data"][1]["current"], false);
    assert_eq!(page["has_more"], true);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = with_cookie(&app, Method::Get, &format!("/v1/me/sessions?limit=2&cursor={cursor}"), &third).json_body();
    assert_eq!((rest["data"].as_array().unwrap().len(), rest["has_more"].clone()), (1, json!(false)));
    let oldest = rest["data"][0]["id"].as_str().unwrap().to_owned();
    let bob = hosted_sign_in(&app, "user_bob", "bob@example.com");
    let foreign = with_cookie(&app, Method::Get, &format!("/v1/me/sessions?cursor={cursor}"), &bob);
    assert_eq!(error_code(&foreign), "cursor_invalid", "a cursor belongs to its user's list");

    let not_mine = with_cookie(&app, Method::Delete, &format!("/v1/me/sessions/{oldest}"), &bob);
    assert_eq!((not_mine.status, error_code(&not_mine).as_str()), (404, "session_not_found"));
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &first).status, 200, "untouched");
    let revoked = with_cookie(&app, Method::Delete, &format!("/v1/me/sessions/{oldest}"), &third);
    assert_eq!(revoked.status, 204, "{}", body_text(&revoked));
    let ended = with_cookie(&app, Method::Get, "/v1/me", &first);
    assert_eq!(error_code(&ended), "session_expired", "its cookie session ended at once");
    assert!(app.platform.workos.revoked_sessions.borrow().contains(&oldest));
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &second).status, 200);
    // WorkOS out of reach: a 503 with one Retry-After (it once carried two, read as "5, 5").
    app.platform.workos.outage.set(Outage::Unavailable);
    let down = with_cookie(&app, Method::Get, "/v1/me/sessions", &second);
    assert_eq!((down.status, error_code(&down).as_str()), (503, "workos_unavailable"));
    let retry_after: Vec<&str> =
        down.headers.iter().filter(|(name, _)| name == "retry-after").map(|(_, value)| value.as_str()).collect();
    assert!(matches!(retry_after[..], [seconds] if seconds.parse::<u32>().is_ok()), "{retry_after:?}");
}

#[test]
fn signing_out_everywhere_else_keeps_only_the_current_session() {
    let app = spawn_app();
    let others =
        [hosted_sign_in(&app, "user_ada", "ada@example.com"), hosted_sign_in(&app, "user_ada", "ada@example.com")];
    let current = hosted_sign_in(&app, "user_ada", "ada@example.com");
    let bob = hosted_sign_in(&app, "user_bob", "bob@example.com");
    let answer = with_cookie(&app, Method::Delete, "/v1/me/sessions", &current);
    assert_eq!(answer.status, 200, "{}", body_text(&answer));
    assert_eq!(answer.json_body()["revoked"], 2);
    for other in &others {
        assert_eq!(error_code(&with_cookie(&app, Method::Get, "/v1/me", other)), "session_expired");
    }
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &current).status, 200, "this one stays");
    assert_eq!(with_cookie(&app, Method::Get, "/v1/me", &bob).status, 200, "nobody else's");
    let listed = with_cookie(&app, Method::Get, "/v1/me/sessions", &current).json_body();
    let active: Vec<&Value> = listed["data"].as_array().unwrap().iter().filter(|s| s["status"] == "active").collect();
    assert_eq!(active.len(), 1);

    let cy = app.sign_in("user_cy", "cy@example.com");
    let with_key = app.get("/v1/me/sessions", Some(&cy.default_key));
    assert_eq!((with_key.status, error_code(&with_key).as_str()), (403, "api_key_not_allowed"));
    let refused = app.send(ApiRequest::new(Method::Delete, "/v1/me/sessions").with_header("cookie", &current));
    assert_eq!(error_code(&refused), "origin_refused", "a change made with the cookie");
}

#[test]
fn the_answers_of_the_session_management_routes_match_the_document() {
    let app = spawn_app();
    let doc = crate::openapi::document();
    let conforms =
        |method: Method, path: &str, response: &ApiResponse| crate::openapi::conforms(&doc, method, path, response);
    let signed_up = sign_up(&app, "pat@example.com", "long enough pw");
    conforms(Method::Post, "/v1/auth/sign-up", &signed_up);
    conforms(Method::Post, "/v1/auth/sign-up", &sign_up(&app, "pat@example.com", "long enough pw"));
    conforms(Method::Post, "/v1/auth/sign-in", &sign_in(&app, "pat@example.com", "long enough pw"));
    conforms(Method::Post, "/v1/auth/sign-in", &sign_in(&app, "pat@example.com", "wrong password"));
    let cookie = cookie_of(&signed_up);
    conforms(Method::Get, "/v1/me", &with_cookie(&app, Method::Get, "/v1/me", &cookie));
    conforms(Method::Get, "/v1/me/sessions", &with_cookie(&app, Method::Get, "/v1/me/sessions", &cookie));
    let user_id = signed_up.json_body()["user"]["id"].as_str().unwrap().to_owned();
    app.platform.workos.memberships.borrow_mut().insert((user_id.clone(), "org_a".into()), "member".into());
    app.platform.workos.memberships.borrow_mut().insert((user_id, "org_mfa".into()), "member".into());
    app.platform.workos.org_requirements.borrow_mut().insert("org_mfa".into(), "mfa_enrollment");
    for org in ["org_a", "org_mfa", "org_none"] {
        let answer = post_json(&app, "/v1/auth/session/organization", json!({ "organization_id": org }), Some(&cookie));
        conforms(Method::Post, "/v1/auth/session/organization", &answer);
    }
    let hosted = sign_in(&app, "pat@example.com", "long enough pw");
    assert_eq!(error_code(&hosted), "hosted_sign_in_required");
    conforms(Method::Post, "/v1/auth/sign-in", &hosted);
    conforms(Method::Delete, "/v1/me/sessions", &with_cookie(&app, Method::Delete, "/v1/me/sessions", &cookie));
    let missing = with_cookie(&app, Method::Delete, "/v1/me/sessions/session_nope", &cookie);
    conforms(Method::Delete, "/v1/me/sessions/{session_id}", &missing);
}

#[test]
fn a_password_sign_up_of_an_invited_email_joins_the_workspace() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.create_org(&ada.token, "Acme", "acme");
    app.invite(&ada.token, "acme", "pat@example.com", "admin");
    let signed_up = sign_up(&app, "pat@example.com", "long enough pw");
    assert_eq!(signed_up.status, 201, "{}", body_text(&signed_up));
    let workspace = with_cookie(&app, Method::Get, "/v1/orgs/acme/members", &cookie_of(&signed_up));
    assert_eq!(workspace.status, 200, "{}", body_text(&workspace));
    let mut roles: Vec<_> = workspace.json_body()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["email"].clone(), m["role"].clone()))
        .collect();
    roles.sort_by_key(|(email, _)| email.to_string());
    assert_eq!(roles, [(json!("ada@example.com"), json!("owner")), (json!("pat@example.com"), json!("admin"))]);
}
