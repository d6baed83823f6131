//! Every rule of shared/docs/security.md, through `GET /v1/auth/session`.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::helpers::*;

fn session_code(app: &TestApp, token: &str) -> (u16, String) {
    let response = app.get("/v1/auth/session", Some(token));
    (response.status, error_code(&response))
}

fn assert_refused(app: &TestApp, token: &str, code: &str) {
    let response = app.get("/v1/auth/session", Some(token));
    assert_eq!(
        (response.status, error_code(&response).as_str()),
        (401, code),
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("www-authenticate"), Some("Bearer error=\"invalid_token\""));
    assert!(!String::from_utf8_lossy(&response.body).contains(token), "the token was echoed");
}

fn claims(app: &TestApp) -> serde_json::Value {
    json!({
        "iss": format!("{API_BASE}/user_management/{CLIENT_ID}"),
        "sub": "user_1", "sid": "session_1", "jti": "jti_1",
        "iat": app.now_seconds(), "exp": app.now_seconds() + 300,
    })
}

#[test]
fn a_valid_token_yields_the_typed_identity() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "user_1", "sid": "session_1", "jti": "jti_1", "org_id": "org_9", "role": "admin", "email": "ada@example.com" }));
    let response = app.get("/v1/auth/session", Some(&token));
    assert_eq!(response.status, 200);
    let identity = &response.json_body()["identity"];
    assert_eq!(identity["user_id"], "user_1");
    assert_eq!(identity["session_id"], "session_1");
    assert_eq!(identity["token_id"], "jti_1");
    assert_eq!(identity["org_id"], "org_9");
    assert_eq!(identity["role"], "admin");
    assert_eq!(identity["expires_at"], app.now_seconds() + 300);
}

#[test]
fn both_workos_issuer_forms_are_accepted_and_others_refused() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u", "iss": API_BASE })))).status, 200);
    assert_refused(&app, &app.token(json!({ "sub": "u", "iss": "https://evil.example.com" })), "token_issuer_invalid");
    assert_refused(&app, &app.token(json!({ "sub": "u", "iss": null })), "token_issuer_invalid");
}

#[test]
fn alg_none_is_refused() {
    let app = spawn_app();
    let token = format!("{}.{}.", b64(br#"{"alg":"none","kid":"kid-1"}"#), b64(claims(&app).to_string().as_bytes()));
    assert_refused(&app, &token, "token_malformed");
    let token =
        format!("{}.{}.AAAA", b64(br#"{"alg":"none","kid":"kid-1"}"#), b64(claims(&app).to_string().as_bytes()));
    assert_refused(&app, &token, "token_algorithm_invalid");
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let app = spawn_app();
    let public_jwk = jwk("kid-1", test_key(0)).to_string();
    let input = format!("{}.{}", b64(br#"{"alg":"HS256","kid":"kid-1"}"#), b64(claims(&app).to_string().as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(public_jwk.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let token = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
    assert_refused(&app, &token, "token_algorithm_invalid");
}

#[test]
fn other_algorithms_are_refused() {
    let app = spawn_app();
    for alg in ["RS384", "RS512", "PS256", "ES256", "rs256"] {
        let token = sign(&json!({ "alg": alg, "kid": "kid-1" }), &claims(&app), test_key(0));
        assert_refused(&app, &token, "token_algorithm_invalid");
    }
}

#[test]
fn an_embedded_jwk_and_key_urls_are_never_used() {
    let app = spawn_app();
    // Signed by the attacker's key, which the header embeds and points to.
    let attacker = test_key(1);
    let header = json!({
        "alg": "RS256", "kid": "kid-1", "jwk": jwk("kid-1", attacker),
        "jku": "https://evil.example.com/jwks", "x5u": "https://evil.example.com/cert",
        "x5c": ["MIIB"],
    });
    assert_refused(&app, &sign(&header, &claims(&app), attacker), "token_signature_invalid");
    let header = json!({ "alg": "RS256", "kid": "attacker", "jwk": jwk("attacker", attacker), "jku": "https://evil.example.com/jwks" });
    assert_refused(&app, &sign(&header, &claims(&app), attacker), "token_key_unknown");
    // Only WorkOS's JWKS URL was ever fetched.
    assert!(app.platform.workos.jwks_requests.get() >= 1);
    assert_eq!(app.platform.workos.unexpected_requests.get(), 0);
}

#[test]
fn a_kid_is_only_a_lookup_key() {
    let app = spawn_app();
    for kid in ["../../etc/passwd", "https://evil.example.com/jwks", "kid-1?x=1", "kid-1/../kid-1"] {
        let token = sign(&json!({ "alg": "RS256", "kid": kid }), &claims(&app), test_key(0));
        assert_eq!(session_code(&app, &token).1, "token_key_unknown", "{kid}");
        app.advance_seconds(31);
    }
}

#[test]
fn an_unknown_kid_is_refused() {
    let app = spawn_app();
    let token = sign(&json!({ "alg": "RS256", "kid": "nope" }), &claims(&app), test_key(0));
    assert_refused(&app, &token, "token_key_unknown");
}

#[test]
fn a_non_empty_crit_and_b64_false_are_refused() {
    let app = spawn_app();
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-1", "crit": ["exp"] }), &claims(&app), test_key(0));
    assert_refused(&app, &token, "token_header_unsupported");
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-1", "b64": false }), &claims(&app), test_key(0));
    assert_refused(&app, &token, "token_header_unsupported");
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-1", "crit": [] }), &claims(&app), test_key(0));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
}

#[test]
fn structural_damage_is_refused() {
    let app = spawn_app();
    let valid = app.token(json!({ "sub": "u" }));
    let (head, rest) = valid.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let cases = [
        format!("{head}.{payload}."),                        // stripped signature
        format!("{head}.{payload}"),                         // two parts
        format!("{head}.{payload}.{signature}.{signature}"), // four parts
        format!("{head}.{payload}.{signature}="),            // padding
        format!("{head}.{payload}.{}", signature.replace('-', "+").replace('_', "/")), // std alphabet
        format!("{head} .{payload}.{signature}"),            // whitespace
        format!("{}.{payload}.{signature}", b64(b"not json")), // header not JSON
        format!("{head}.{}.{signature}", b64(b"[1,2]")),     // payload not an object (signature also wrong)
        "e30.e30.e30".to_owned(),
    ];
    for token in &cases {
        let (status, code) = session_code(&app, token);
        assert_eq!(status, 401, "{token}");
        assert!(
            code == "token_malformed" || code == "token_signature_invalid" || code == "token_algorithm_invalid",
            "{token}: {code}"
        );
    }
    assert_refused(&app, &format!("{head}.{payload}."), "token_malformed");
}

#[test]
fn a_stripped_or_truncated_signature_is_refused() {
    let app = spawn_app();
    let valid = app.token(json!({ "sub": "u" }));
    let truncated = &valid[..valid.len() - 4];
    assert_eq!(session_code(&app, truncated).0, 401);
    let mut flipped = valid.clone().into_bytes();
    let index = flipped.len() - 10;
    flipped[index] = if flipped[index] == b'A' { b'B' } else { b'A' };
    assert_refused(&app, &String::from_utf8(flipped).unwrap(), "token_signature_invalid");
}

#[test]
fn a_payload_that_is_not_an_object_is_refused_even_when_signed() {
    let app = spawn_app();
    let token = sign_raw(br#"{"alg":"RS256","kid":"kid-1"}"#, b"[1,2,3]", test_key(0));
    assert_refused(&app, &token, "token_malformed");
}

#[test]
fn duplicate_claim_names_make_a_token_malformed() {
    let app = spawn_app();
    let exp = app.now_seconds() + 300;
    let iss = format!("{API_BASE}/user_management/{CLIENT_ID}");
    let payload = format!(r#"{{"iss":"{iss}","sub":"user_1","sub":"user_admin","exp":{exp}}}"#);
    let token = sign_raw(br#"{"alg":"RS256","kid":"kid-1"}"#, payload.as_bytes(), test_key(0));
    assert_refused(&app, &token, "token_malformed");
    let payload = format!(r#"{{"iss":"{iss}","sub":"user_1","exp":{exp},"exp":{}}}"#, exp + 10_000);
    let token = sign_raw(br#"{"alg":"RS256","kid":"kid-1"}"#, payload.as_bytes(), test_key(0));
    assert_refused(&app, &token, "token_malformed");
}

#[test]
fn expiry_honours_the_leeway() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "u", "exp": app.now_seconds() - 10 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200, "within the 30 s leeway");
    let token = app.token(json!({ "sub": "u", "exp": app.now_seconds() - 31 }));
    assert_refused(&app, &token, "token_expired");
    let token = app.token(json!({ "sub": "u", "exp": null }));
    assert_refused(&app, &token, "token_claim_missing");
    let token = app.token(json!({ "sub": "u", "exp": "tomorrow" }));
    assert_refused(&app, &token, "token_malformed");
}

/// The registered times are read as jwt-compact's `Claims` read them (src/token/claims.rs reads
/// them itself, in one pass with the rest): whole or fractional seconds, within chrono's years.
#[test]
fn registered_times_are_whole_or_fractional_seconds_within_the_representable_years() {
    let app = spawn_app();
    let soon = app.now_seconds() + 300;
    let token = app.token(json!({ "sub": "u", "exp": soon as f64 + 0.75 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200, "a fraction is truncated");
    let token = app.token(json!({ "sub": "u", "exp": soon, "iat": app.now_seconds() as f64 - 0.5 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    // chrono's last representable second is in the year 262143, ~8.2e12 s.
    for beyond in [json!(9_000_000_000_000_i64), json!(u64::MAX), json!(1e20), json!(-9_000_000_000_000_i64)] {
        let token = app.token(json!({ "sub": "u", "exp": beyond }));
        assert_refused(&app, &token, "token_malformed");
        let token = app.token(json!({ "sub": "u", "exp": soon, "nbf": beyond }));
        assert_refused(&app, &token, "token_malformed");
    }
    let token = app.token(json!({ "sub": "u", "exp": soon, "nbf": 8_000_000_000_000_i64 }));
    assert_refused(&app, &token, "token_not_yet_valid");
}

#[test]
fn a_cached_verification_stops_at_expiry() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "u", "exp": app.now_seconds() + 60 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    app.advance_seconds(60 + 31);
    assert_refused(&app, &token, "token_expired");
}

#[test]
fn not_before_and_issued_at_in_the_future_are_refused() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "u", "nbf": app.now_seconds() + 120 }));
    assert_refused(&app, &token, "token_not_yet_valid");
    let token = app.token(json!({ "sub": "u", "iat": app.now_seconds() + 120 }));
    assert_refused(&app, &token, "token_not_yet_valid");
    let token = app.token(json!({ "sub": "u", "nbf": app.now_seconds() + 20 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200, "within the leeway");
}

#[test]
fn the_audience_is_checked_when_configured() {
    let app = spawn_app_with(&[("WORKOS_AUDIENCE", "api://edge")]);
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u", "aud": "api://edge" })))).status, 200);
    assert_eq!(
        app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u", "aud": ["x", "api://edge"] })))).status,
        200
    );
    assert_refused(&app, &app.token(json!({ "sub": "u", "aud": "api://other" })), "token_audience_invalid");
    assert_refused(&app, &app.token(json!({ "sub": "u" })), "token_audience_invalid");
}

#[test]
fn a_missing_or_blank_subject_is_refused() {
    let app = spawn_app();
    assert_refused(&app, &app.token(json!({ "sub": null })), "token_claim_missing");
    assert_refused(&app, &app.token(json!({ "sub": "  " })), "token_claim_missing");
}

#[test]
fn the_signature_is_checked_before_the_claims() {
    let app = spawn_app();
    let expired_forgery = sign(
        &json!({ "alg": "RS256", "kid": "kid-1" }),
        &json!({ "sub": "u", "exp": 1, "iss": "https://evil.example.com" }),
        test_key(1),
    );
    assert_refused(&app, &expired_forgery, "token_signature_invalid");
}

#[test]
fn keys_under_2048_bits_or_not_for_signing_are_unusable() {
    let app = spawn_app();
    let mut enc = jwk("kid-enc", test_key(1));
    enc["use"] = json!("enc");
    let mut ops = jwk("kid-ops", test_key(1));
    ops["key_ops"] = json!(["encrypt"]);
    let mut alg = jwk("kid-alg", test_key(1));
    alg["alg"] = json!("RS512");
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [
        jwk("kid-1", test_key(0)), jwk("kid-small", small_key()), enc, ops, alg,
        { "kty": "EC", "kid": "kid-ec", "crv": "P-256", "x": "AA", "y": "AA" },
    ]});
    for (kid, key) in
        [("kid-small", small_key()), ("kid-enc", test_key(1)), ("kid-ops", test_key(1)), ("kid-alg", test_key(1))]
    {
        let token = sign(&json!({ "alg": "RS256", "kid": kid }), &claims(&app), key);
        assert_refused(&app, &token, "token_key_unusable");
    }
    // Unknown key types are skipped, not fatal: the good key still works.
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
}

#[test]
fn a_jwks_with_duplicate_kids_is_refused() {
    let app = spawn_app();
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-1", test_key(1))] });
    let response = app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" }))));
    assert_eq!((response.status, error_code(&response).as_str()), (503, "jwks_unavailable"));
}

#[test]
fn a_token_without_kid_uses_the_only_key() {
    let app = spawn_app();
    let token = sign(&json!({ "alg": "RS256" }), &claims(&app), test_key(0));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-2", test_key(1))] });
    app.advance_seconds(601);
    let token = sign(
        &json!({ "alg": "RS256" }),
        &json!({ "sub": "u2", "iss": API_BASE, "exp": app.now_seconds() + 60 }),
        test_key(0),
    );
    assert_refused(&app, &token, "token_key_unknown");
}

// ------------------------------------------------------------------ JWKS caching

#[test]
fn the_jwks_is_fetched_once_then_served_from_memory() {
    let app = spawn_app();
    for i in 0..5 {
        let token = app.token(json!({ "sub": format!("u{i}") }));
        assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    }
    assert_eq!(app.platform.workos.jwks_requests.get(), 1);
}

#[test]
fn a_new_isolate_reads_the_jwks_from_kv() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    let second_isolate = edge_auth::app::Isolate::default();
    let request = edge_auth::http::ApiRequest::new(edge_auth::http::Method::Get, "/v1/auth/session")
        .with_header("authorization", &format!("Bearer {}", app.token(json!({ "sub": "u2" }))));
    let app2 = edge_auth::app::App::new(&app.platform, &app.config, &second_isolate);
    let response = futures::executor::block_on(edge_auth::routes::handle(&app2, &request));
    assert_eq!(response.status, 200);
    assert_eq!(app.platform.workos.jwks_requests.get(), 1, "the second isolate used KV");
    assert_eq!(second_isolate.tokens.jwks.last_source(), Some(edge_auth::token::JwksSource::KeyValue));
}

#[test]
fn a_cold_isolate_reads_the_key_set_and_the_last_attempt_from_kv_at_once() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "u" }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    assert_eq!(app.platform.kv.reads.get(), 2, "the set and the attempt, each read once");
    assert_eq!(app.platform.kv.most_reads_at_once.get(), 2, "one wait, not two");
}

#[test]
fn the_cache_lifetime_is_finite() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(601);
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u2" })))).status, 200);
    assert_eq!(app.platform.workos.jwks_requests.get(), 2);
}

#[test]
fn a_rotated_in_key_verifies_at_once() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(31); // past the cooldown that follows any fetch, well within the TTL
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-2", test_key(1))] });
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-2" }), &claims(&app), test_key(1));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    assert_eq!(app.platform.workos.jwks_requests.get(), 2);
}

#[test]
fn a_removed_key_stops_verifying_once_the_cache_refreshes() {
    let app = spawn_app();
    let token = app.token(json!({ "sub": "u", "exp": app.now_seconds() + 3600 }));
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-2", test_key(1))] });
    app.advance_seconds(601);
    assert_refused(&app, &token, "token_key_unknown");
}

#[test]
fn unknown_kids_refetch_at_most_once_per_cooldown() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(31);
    for i in 0..50 {
        let token = sign(&json!({ "alg": "RS256", "kid": format!("random-{i}") }), &claims(&app), test_key(0));
        assert_eq!(session_code(&app, &token).1, "token_key_unknown");
    }
    assert_eq!(app.platform.workos.jwks_requests.get(), 2, "one initial fetch and one refetch");
    app.advance_seconds(31);
    let token = sign(&json!({ "alg": "RS256", "kid": "random-x" }), &claims(&app), test_key(0));
    assert_eq!(session_code(&app, &token).1, "token_key_unknown");
    assert_eq!(app.platform.workos.jwks_requests.get(), 3);
}

#[test]
fn a_fetch_starts_the_cooldown_too() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    let token = sign(&json!({ "alg": "RS256", "kid": "random" }), &claims(&app), test_key(0));
    assert_eq!(session_code(&app, &token).1, "token_key_unknown");
    assert_eq!(app.platform.workos.jwks_requests.get(), 1);
}

#[test]
fn the_cooldown_is_shared_between_isolates_through_kv() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(31);
    let token = sign(&json!({ "alg": "RS256", "kid": "random" }), &claims(&app), test_key(0));
    assert_eq!(session_code(&app, &token).1, "token_key_unknown");
    let requests = app.platform.workos.jwks_requests.get();
    for _ in 0..5 {
        let isolate = edge_auth::app::Isolate::default();
        let app2 = edge_auth::app::App::new(&app.platform, &app.config, &isolate);
        let request = edge_auth::http::ApiRequest::new(edge_auth::http::Method::Get, "/v1/auth/session")
            .with_header("authorization", &format!("Bearer {token}"));
        let response = futures::executor::block_on(edge_auth::routes::handle(&app2, &request));
        assert_eq!(error_code(&response), "token_key_unknown");
    }
    assert_eq!(app.platform.workos.jwks_requests.get(), requests, "fresh isolates respected the shared cooldown");
}

#[test]
fn a_cached_key_keeps_working_while_workos_is_down() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.platform.workos.outage.set(Outage::Unavailable);
    app.advance_seconds(601); // the cache is stale, WorkOS is down: the stale key still serves
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u2" })))).status, 200);
    app.platform.workos.outage.set(Outage::Timeout);
    app.advance_seconds(31);
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u3" })))).status, 200);
}

#[test]
fn without_a_cached_key_an_outage_is_a_503_not_a_401() {
    for outage in [Outage::Unavailable, Outage::Timeout] {
        let app = spawn_app();
        app.platform.workos.outage.set(outage);
        let response = app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" }))));
        assert_eq!((response.status, error_code(&response).as_str()), (503, "jwks_unavailable"));
        assert!(response.header("retry-after").is_some());
        app.platform.workos.outage.set(Outage::None);
        app.advance_seconds(31);
        assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    }
}

#[test]
fn an_unknown_kid_during_an_outage_is_retryable() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(31);
    app.platform.workos.outage.set(Outage::Unavailable);
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-new" }), &claims(&app), test_key(1));
    assert_eq!(session_code(&app, &token), (503, "jwks_unavailable".to_owned()));
}

#[test]
fn failures_are_not_cached() {
    let app = spawn_app();
    let token = sign(&json!({ "alg": "RS256", "kid": "kid-2" }), &claims(&app), test_key(1));
    assert_eq!(session_code(&app, &token).1, "token_key_unknown");
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-2", test_key(1))] });
    app.advance_seconds(31);
    assert_eq!(app.get("/v1/auth/session", Some(&token)).status, 200);
}

#[test]
fn non_bearer_schemes_and_missing_credentials_are_not_authenticated() {
    let app = spawn_app();
    let response = app.get("/v1/auth/session", None);
    assert_eq!((response.status, error_code(&response).as_str()), (401, "not_authenticated"));
    let response = app.send(
        edge_auth::http::ApiRequest::new(edge_auth::http::Method::Get, "/v1/auth/session")
            .with_header("authorization", "Basic dXNlcjpwYXNz"),
    );
    assert_eq!((response.status, error_code(&response).as_str()), (401, "not_authenticated"));
}

/// A second isolate over the same platform (D1, KV, WorkOS) with caches of its own.
fn on_isolate(app: &TestApp, isolate: &edge_auth::app::Isolate, token: &str) -> (u16, String) {
    let app2 = edge_auth::app::App::new(&app.platform, &app.config, isolate);
    let request = edge_auth::http::ApiRequest::new(edge_auth::http::Method::Get, "/v1/auth/session")
        .with_header("authorization", &format!("Bearer {token}"));
    let response = futures::executor::block_on(edge_auth::routes::handle(&app2, &request));
    (response.status, error_code(&response))
}

#[test]
fn after_a_rotation_other_isolates_take_the_new_set_from_kv_during_the_cooldown() {
    let app = spawn_app();
    let (isolate_a, isolate_b) = (edge_auth::app::Isolate::default(), edge_auth::app::Isolate::default());
    let kid_1 = app.token(json!({ "sub": "u" }));
    assert_eq!(on_isolate(&app, &isolate_a, &kid_1).0, 200);
    assert_eq!(on_isolate(&app, &isolate_b, &kid_1).0, 200, "both isolates hold kid-1, fresh");
    app.advance_seconds(31);
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-2", test_key(1))] });
    let kid_2 = sign(&json!({ "alg": "RS256", "kid": "kid-2" }), &claims(&app), test_key(1));
    assert_eq!(on_isolate(&app, &isolate_a, &kid_2).0, 200, "A refetches and stores the set in KV");
    let fetches = app.platform.workos.jwks_requests.get();
    // Someone keeps the cooldown busy with random kids on A, every 25 s.
    for round in 0..4 {
        let random = sign(&json!({ "alg": "RS256", "kid": format!("random-{round}") }), &claims(&app), test_key(0));
        assert_eq!(on_isolate(&app, &isolate_a, &random).1, "token_key_unknown");
        let kid_2 = sign(&json!({ "alg": "RS256", "kid": "kid-2" }), &claims(&app), test_key(1));
        assert_eq!(
            on_isolate(&app, &isolate_b, &kid_2),
            (200, String::new()),
            "round {round}: B reads A's copy from KV"
        );
        app.advance_seconds(25);
    }
    assert!(app.platform.workos.jwks_requests.get() <= fetches + 2, "the cooldown still holds");
}

#[test]
fn an_unknown_kid_while_the_last_fetch_failed_is_a_503_not_a_401() {
    let app = spawn_app();
    let (isolate_a, isolate_b) = (edge_auth::app::Isolate::default(), edge_auth::app::Isolate::default());
    let kid_1 = app.token(json!({ "sub": "u" }));
    assert_eq!(on_isolate(&app, &isolate_a, &kid_1).0, 200);
    assert_eq!(on_isolate(&app, &isolate_b, &kid_1).0, 200);
    app.advance_seconds(31);
    app.platform.workos.outage.set(Outage::Unavailable);
    let kid_2 = sign(&json!({ "alg": "RS256", "kid": "kid-2" }), &claims(&app), test_key(1));
    assert_eq!(on_isolate(&app, &isolate_a, &kid_2), (503, "jwks_unavailable".into()), "A's fetch failed");
    // Within the cooldown neither isolate fetches again, and both say why they cannot tell.
    assert_eq!(on_isolate(&app, &isolate_a, &kid_2), (503, "jwks_unavailable".into()));
    assert_eq!(on_isolate(&app, &isolate_b, &kid_2), (503, "jwks_unavailable".into()), "B read A's failure from KV");
    assert_eq!(on_isolate(&app, &isolate_b, &kid_1).0, 200, "known keys keep working");
    // Once WorkOS is back and the cooldown over, a truly unknown kid is the caller's fault again.
    app.platform.workos.outage.set(Outage::None);
    app.advance_seconds(31);
    assert_eq!(on_isolate(&app, &isolate_b, &kid_2), (401, "token_key_unknown".into()));
    assert_eq!(on_isolate(&app, &isolate_a, &kid_2), (401, "token_key_unknown".into()));
}

// ------------------------------------------------------------------ weak keys (ROCA)

/// The primes of the ROCA detector; their product is RSALib's M (in part, which is enough: the
/// fingerprint is taken modulo these).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
    113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// A prime of `bits` bits of RSALib's form k·M + (65537^a mod M).
fn roca_prime(bits: usize) -> rsa::BigUint {
    use rsa::BigUint;
    let m = ROCA_PRIMES.iter().fold(BigUint::from(1u32), |m, p| m * BigUint::from(*p));
    let k_bits = bits - m.bits();
    loop {
        let mut a = [0u8; 2];
        let mut k = vec![0u8; k_bits / 8 + 1];
        getrandom::getrandom(&mut a).unwrap();
        getrandom::getrandom(&mut k).unwrap();
        // k of exactly k_bits bits, so that p has `bits` bits or one fewer.
        let k = (BigUint::from_bytes_be(&k) >> (k.len() * 8 - k_bits)) | (BigUint::from(1u32) << (k_bits - 1));
        let residue = BigUint::from(65537u32).modpow(&BigUint::from(u16::from_be_bytes(a)), &m);
        let p = k * &m + residue;
        if p.bits() == bits && num_bigint_dig::prime::probably_prime(&p, 20) {
            return p;
        }
    }
}

#[test]
fn a_key_with_the_roca_fingerprint_is_unusable_and_the_rest_of_the_set_keeps_working() {
    let app = spawn_app();
    let weak = rsa::RsaPrivateKey::from_p_q(roca_prime(1024), roca_prime(1024), rsa::BigUint::from(65537u32)).unwrap();
    assert!(rsa::traits::PublicKeyParts::n(&weak).bits() >= 2047, "a modulus of RS256 size");
    *app.platform.workos.jwks.borrow_mut() = json!({ "keys": [jwk("kid-1", test_key(0)), jwk("kid-roca", &weak)] });
    let forged_by_factoring = sign(&json!({ "alg": "RS256", "kid": "kid-roca" }), &claims(&app), &weak);
    assert_refused(&app, &forged_by_factoring, "token_key_unusable");
    assert_eq!(
        app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status,
        200,
        "a normal key still verifies"
    );
    assert_eq!(app.platform.workos.jwks_requests.get(), 1, "an unusable kid triggers no refetch");
}

#[test]
fn concurrent_unknown_kids_in_one_isolate_make_one_refetch() {
    let app = spawn_app();
    assert_eq!(app.get("/v1/auth/session", Some(&app.token(json!({ "sub": "u" })))).status, 200);
    app.advance_seconds(31);
    let requests: Vec<_> = (0..40)
        .map(|i| {
            let token = sign(&json!({ "alg": "RS256", "kid": format!("random-{i}") }), &claims(&app), test_key(0));
            app.call_async(edge_auth::http::Method::Get, "/v1/auth/session", Some(&token), None)
        })
        .collect();
    let answers = futures::executor::block_on(futures::future::join_all(requests));
    assert!(answers.iter().all(|a| error_code(a) == "token_key_unknown"));
    assert_eq!(app.platform.workos.jwks_requests.get(), 2, "one initial fetch and one refetch for all 40");
}

/// Concurrent first requests of a cold isolate (a browser's tabs signing in at once after a
/// deploy): each reaches the key set's fetch while another's is in flight. None may be refused for
/// it; they cannot wait on another request's fetch in a Worker, so each makes its own.
fn cold_burst(app: &TestApp, requests: usize) -> Vec<u16> {
    let requests: Vec<_> = (0..requests)
        .map(|i| {
            let token = app.token(json!({ "sub": format!("u{i}") }));
            app.call_async(edge_auth::http::Method::Get, "/v1/auth/session", Some(&token), None)
        })
        .collect();
    futures::executor::block_on(futures::future::join_all(requests)).iter().map(|a| a.status).collect()
}

#[test]
fn concurrent_first_requests_of_a_cold_isolate_all_verify() {
    let app = spawn_app();
    let statuses = cold_burst(&app, 16);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(app.platform.workos.jwks_requests.get() <= 16, "at most one fetch per request of the burst");
    let fetched = app.platform.workos.jwks_requests.get();
    assert_eq!(cold_burst(&app, 16), vec![200; 16], "the next burst verifies from memory");
    assert_eq!(app.platform.workos.jwks_requests.get(), fetched);
}

#[test]
fn concurrent_first_requests_of_a_cold_isolate_in_an_outage_then_keep_the_cooldown() {
    let app = spawn_app();
    app.platform.workos.outage.set(Outage::Unavailable);
    assert_eq!(cold_burst(&app, 16), vec![503; 16]);
    let fetched = app.platform.workos.jwks_requests.get();
    assert!(fetched <= 16, "{fetched}");
    // The failure is seen now: within the cooldown nobody asks WorkOS again.
    assert_eq!(cold_burst(&app, 16), vec![503; 16]);
    assert_eq!(app.platform.workos.jwks_requests.get(), fetched, "no fetch during the cooldown");
    app.platform.workos.outage.set(Outage::None);
    app.advance_seconds(31);
    assert_eq!(cold_burst(&app, 16), vec![200; 16]);
}
