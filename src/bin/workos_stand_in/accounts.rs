//! What session management asks of WorkOS beyond sign-in: passwords (user creation and the
//! password grant), provider identities, organisation memberships and the organisations'
//! sign-in requirements (SSO, MFA), with WorkOS's shapes and errors.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;

use super::ids;

/// A password shorter than this is refused, as an environment's password policy would.
pub const MIN_PASSWORD_LENGTH: usize = 10;

/// A provider identity (`GET /user_management/users/{id}/identities`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub idp_id: String,
    #[serde(rename = "type", default = "oauth")]
    pub kind: String,
    pub provider: String,
}

fn oauth() -> String {
    "OAuth".into()
}

/// An organisation membership, as WorkOS lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Membership {
    pub object: &'static str,
    pub id: String,
    pub user_id: String,
    pub organization_id: String,
    pub role: Value,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
}

/// What an organisation demands before a session may enter it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The answer `sso_required`.
    Sso,
    /// The answer `mfa_enrollment`.
    Mfa,
}

impl Requirement {
    pub fn error(self) -> &'static str {
        match self {
            Requirement::Sso => "sso_required",
            Requirement::Mfa => "mfa_enrollment",
        }
    }
}

#[derive(Default)]
pub struct Accounts {
    passwords: HashMap<String, String>,
    identities: HashMap<String, Vec<Identity>>,
    memberships: Vec<Membership>,
    requirements: HashMap<String, Requirement>,
    /// Whether the password grant refuses users whose email is not verified (an environment
    /// setting at WorkOS; off by default here so that local sign-up just works).
    pub email_verification_required: bool,
}

impl Accounts {
    pub fn set_password(&mut self, user_id: &str, password: &str) {
        self.passwords.insert(user_id.to_owned(), password.to_owned());
    }

    /// Whether `password` is the user's (users without one never match).
    pub fn password_matches(&self, user_id: &str, password: &str) -> bool {
        self.passwords.get(user_id).is_some_and(|stored| stored == password)
    }

    pub fn add_identity(&mut self, user_id: &str, identity: Identity) {
        let list = self.identities.entry(user_id.to_owned()).or_default();
        if !list.contains(&identity) {
            list.push(identity);
        }
    }

    pub fn identities(&self, user_id: &str) -> Vec<Identity> {
        self.identities.get(user_id).cloned().unwrap_or_default()
    }

    /// Adds (or changes the role of) an active membership.
    pub fn add_membership(&mut self, user_id: &str, organization_id: &str, role: &str) -> Membership {
        let now = edge_auth::domain::rfc3339(ids::now_unix_millis());
        self.memberships.retain(|m| !(m.user_id == user_id && m.organization_id == organization_id));
        let membership = Membership {
            object: "organization_membership",
            id: ids::prefixed("om"),
            user_id: user_id.to_owned(),
            organization_id: organization_id.to_owned(),
            role: json!({ "slug": role }),
            status: "active",
            created_at: now.clone(),
            updated_at: now,
        };
        self.memberships.push(membership.clone());
        membership
    }

    /// Memberships matching the filters that are given.
    pub fn memberships(&self, user_id: Option<&str>, organization_id: Option<&str>) -> Vec<Membership> {
        self.memberships
            .iter()
            .filter(|m| user_id.is_none_or(|u| m.user_id == u))
            .filter(|m| organization_id.is_none_or(|o| m.organization_id == o))
            .cloned()
            .collect()
    }

    pub fn is_member(&self, user_id: &str, organization_id: &str) -> bool {
        !self.memberships(Some(user_id), Some(organization_id)).is_empty()
    }

    pub fn set_requirement(&mut self, organization_id: &str, requirement: Option<Requirement>) {
        match requirement {
            Some(requirement) => self.requirements.insert(organization_id.to_owned(), requirement),
            None => self.requirements.remove(organization_id),
        };
    }

    pub fn requirement(&self, organization_id: &str) -> Option<Requirement> {
        self.requirements.get(organization_id).copied()
    }

    /// Why the password grant cannot sign this user in by itself, as WorkOS refuses it: an
    /// organisation of theirs demands SSO or MFA, or they belong to several and have to choose
    /// one (which only the hosted page, or a grant naming the organisation, can do).
    pub fn password_grant_refusal(&self, user_id: &str) -> Option<&'static str> {
        let organizations = self.memberships(Some(user_id), None);
        let demanded = organizations.iter().find_map(|m| self.requirement(&m.organization_id));
        match (demanded, organizations.len()) {
            (Some(requirement), _) => Some(requirement.error()),
            (None, n) if n > 1 => Some("organization_selection_required"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_identities_memberships_and_requirements() {
        let mut accounts = Accounts::default();
        assert!(!accounts.password_matches("user_1", ""), "no password, no match");
        accounts.set_password("user_1", "correct horse");
        assert!(accounts.password_matches("user_1", "correct horse"));
        assert!(!accounts.password_matches("user_1", "Correct horse"));
        let google = Identity { idp_id: "g-1".into(), kind: "OAuth".into(), provider: "GoogleOAuth".into() };
        accounts.add_identity("user_1", google.clone());
        accounts.add_identity("user_1", google);
        assert_eq!(accounts.identities("user_1").len(), 1);
        accounts.add_membership("user_1", "org_1", "member");
        accounts.add_membership("user_1", "org_1", "admin");
        assert_eq!(accounts.memberships(Some("user_1"), None).len(), 1);
        assert_eq!(accounts.memberships(None, Some("org_1"))[0].role, json!({ "slug": "admin" }));
        assert!(accounts.is_member("user_1", "org_1") && !accounts.is_member("user_1", "org_2"));
        accounts.set_requirement("org_1", Some(Requirement::Sso));
        assert_eq!(accounts.requirement("org_1").map(Requirement::error), Some("sso_required"));
    }

    #[test]
    fn the_password_grant_refuses_what_only_the_hosted_page_can_ask_for() {
        let mut accounts = Accounts::default();
        assert_eq!(accounts.password_grant_refusal("user_1"), None, "no organisation");
        accounts.add_membership("user_1", "org_1", "member");
        assert_eq!(accounts.password_grant_refusal("user_1"), None, "one organisation: it is that one");
        accounts.add_membership("user_1", "org_2", "member");
        assert_eq!(accounts.password_grant_refusal("user_1"), Some("organization_selection_required"));
        accounts.set_requirement("org_2", Some(Requirement::Mfa));
        assert_eq!(accounts.password_grant_refusal("user_1"), Some("mfa_enrollment"), "a demand comes first");
        assert_eq!(accounts.password_grant_refusal("user_2"), None, "someone else's organisations");
    }
}
