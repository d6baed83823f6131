//! No credential creates a more powerful one: every grantor (each role, an API key with each
//! set of scopes) tries every grant (each role by adding and by changing a member, a key with
//! each set of scopes), and a grant goes through exactly when the grantor may use the route and
//! the grant's power is within the grantor's own.

use std::collections::BTreeSet;

use edge_auth::http::Method;
use serde_json::json;

use crate::helpers::*;

const SCOPE_SETS: [&[&str]; 7] = [
    &["read"],
    &["write"],
    &["keys"],
    &["read", "write"],
    &["read", "keys"],
    &["write", "keys"],
    &["read", "write", "keys"],
];

#[derive(Debug, Clone, Copy)]
enum Grantor {
    User(&'static str),
    Key(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
enum Grant {
    /// `POST /members` with this role.
    AddMember(&'static str),
    /// `PATCH /members/{user_id}` to this role, from another one.
    ChangeRole(&'static str),
    /// `POST /api-keys` with these scopes.
    CreateKey(&'static [&'static str]),
}

/// What a credential can do, as API key scopes, plus `owner` for what no key can do. This is
/// the test's own model of power, written from the roles' definitions, not from the code.
fn power(role_or_scopes: Result<&str, &[&str]>) -> BTreeSet<&'static str> {
    let all = ["read", "write", "keys"];
    match role_or_scopes {
        Ok("member") => ["read"].into(),
        Ok("admin") => all.into(),
        Ok("owner") => ["read", "write", "keys", "owner"].into(),
        Ok(other) => panic!("no role {other}"),
        Err(scopes) => scopes.iter().map(|s| *all.iter().find(|a| *a == s).unwrap()).collect(),
    }
}

fn grantor_power(grantor: Grantor) -> BTreeSet<&'static str> {
    match grantor {
        Grantor::User(role) => power(Ok(role)),
        Grantor::Key(scopes) => power(Err(scopes)),
    }
}

fn grant_power(grant: Grant) -> BTreeSet<&'static str> {
    match grant {
        Grant::AddMember(role) | Grant::ChangeRole(role) => power(Ok(role)),
        Grant::CreateKey(scopes) => power(Err(scopes)),
    }
}

/// Whether the grantor may use the grant's route at all (members: admins and `write` keys;
/// keys: admins and `keys` keys).
fn may_use_route(grantor: Grantor, grant: Grant) -> bool {
    let needed = match grant {
        Grant::AddMember(_) | Grant::ChangeRole(_) => "write",
        Grant::CreateKey(_) => "keys",
    };
    match grantor {
        Grantor::User(role) => role != "member",
        Grantor::Key(scopes) => scopes.contains(&needed),
    }
}

#[test]
fn no_grant_exceeds_its_grantor() {
    let mut grantors = vec![Grantor::User("owner"), Grantor::User("admin"), Grantor::User("member")];
    grantors.extend(SCOPE_SETS.iter().map(|scopes| Grantor::Key(scopes)));
    let mut grants = Vec::new();
    for role in ["member", "admin", "owner"] {
        grants.push(Grant::AddMember(role));
        grants.push(Grant::ChangeRole(role));
    }
    grants.extend(SCOPE_SETS.iter().map(|scopes| Grant::CreateKey(scopes)));

    let mut failures = Vec::new();
    for &grantor in &grantors {
        for &grant in &grants {
            let app = spawn_app();
            let owner = app.sign_in("user_ada", "ada@example.com");
            let admin = app.sign_in("user_bob", "bob@example.com");
            let member = app.sign_in("user_cy", "cy@example.com");
            app.sign_in("user_eve", "eve@example.com");
            app.create_org(&owner.token, "Acme", "acme");
            app.add_member(&owner.token, "acme", "user_bob", "admin");
            app.add_member(&owner.token, "acme", "user_cy", "member");
            // The member whose role changes starts at a role other than the one granted.
            let from = if matches!(grant, Grant::ChangeRole("member")) { "admin" } else { "member" };
            app.add_member(&owner.token, "acme", "user_eve", from);
            let credential = match grantor {
                Grantor::User("owner") => owner.token.clone(),
                Grantor::User("admin") => admin.token.clone(),
                Grantor::User(_) => member.token.clone(),
                Grantor::Key(scopes) => app.create_key(&owner.token, "acme", scopes).0,
            };
            // A key's first use records it (`last_used_at`); use it once so that a refusal must
            // leave every table as it was.
            app.get("/v1/me", Some(&credential));
            let before = app.snapshot();
            let response = match grant {
                Grant::AddMember(role) => {
                    app.call(Method::Delete, "/v1/orgs/acme/members/user_eve", Some(&owner.token), None);
                    let before_add = app.snapshot();
                    let response = app.call(
                        Method::Post,
                        "/v1/orgs/acme/members",
                        Some(&credential),
                        Some(&json!({ "user_id": "user_eve", "role": role })),
                    );
                    if response.status >= 400 && app.snapshot() != before_add {
                        failures.push(format!("{grantor:?} {grant:?}: refused but wrote"));
                    }
                    response
                }
                Grant::ChangeRole(role) => app.call(
                    Method::Patch,
                    "/v1/orgs/acme/members/user_eve",
                    Some(&credential),
                    Some(&json!({ "role": role })),
                ),
                Grant::CreateKey(scopes) => app.call(
                    Method::Post,
                    "/v1/orgs/acme/api-keys",
                    Some(&credential),
                    Some(&json!({ "name": "granted", "scopes": scopes })),
                ),
            };
            let granted = matches!(response.status, 200 | 201);
            let within = grant_power(grant).is_subset(&grantor_power(grantor));
            let expected = may_use_route(grantor, grant) && within;
            if granted && !within {
                failures.push(format!("{grantor:?} {grant:?}: granted more than the grantor holds"));
            } else if granted != expected {
                failures.push(format!(
                    "{grantor:?} {grant:?}: expected granted={expected}, got {} {}",
                    response.status,
                    body_text(&response)
                ));
            }
            if !granted {
                if response.status != 403 {
                    failures.push(format!("{grantor:?} {grant:?}: refused with {}, not 403", response.status));
                }
                if !matches!(grant, Grant::AddMember(_)) && app.snapshot() != before {
                    failures.push(format!("{grantor:?} {grant:?}: refused but wrote"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_default_key_cannot_make_an_admin_who_then_mints_keys() {
    let app = spawn_app();
    let ada = app.sign_in("user_ada", "ada@example.com");
    app.sign_in("user_eve", "eve@example.com");
    let add = |role: &str| {
        app.call(
            Method::Post,
            &format!("/v1/orgs/{}/members", ada.personal_id),
            Some(&ada.default_key),
            Some(&json!({ "user_id": "user_eve", "role": role })),
        )
    };
    let response = add("admin");
    assert_eq!((response.status, error_code(&response).as_str()), (403, "insufficient_scope"));
    assert_eq!(response.header("www-authenticate"), Some("Bearer error=\"insufficient_scope\", scope=\"keys\""));
    assert_eq!(add("member").status, 201, "the default key (read, write) still adds members");
}
