//! What a request hands out: a membership role or a new API key. One rule decides every such
//! grant, so that no credential can create one more powerful than itself.

use crate::domain::{Role, Scope, Scopes};

/// Power a request gives to someone: a role (adding a member, changing a role, later
/// invitations) or an API key's scopes (creating a key).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Grant<'a> {
    /// A membership role.
    Role(Role),
    /// A new API key with these scopes.
    ApiKey(&'a Scopes),
}

/// All three scopes: what an admin can do, and so what an API key needs to grant admin.
const ALL_SCOPES: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Keys];

impl Grant<'_> {
    /// The least role a user needs to grant this: a role up to their own; a key acts as admin.
    pub fn least_role(self) -> Role {
        match self {
            Grant::Role(role) => role,
            Grant::ApiKey(_) => Role::Admin,
        }
    }

    /// What the granted credential could do, in API key scopes: the scopes an API key must hold
    /// to grant it. `None`: no API key may grant it (an owner can do what no key can).
    ///
    /// A member reads, so granting `member` needs `read` as well as the `write` that managing
    /// members needs: otherwise a write-only key could add its holder's own user and read.
    pub fn as_scopes(self) -> Option<Vec<Scope>> {
        match self {
            Grant::Role(Role::Member) => Some(vec![Scope::Read]),
            Grant::Role(Role::Admin) => Some(ALL_SCOPES.to_vec()),
            Grant::Role(Role::Owner) => None,
            Grant::ApiKey(scopes) => Some(scopes.iter().collect()),
        }
    }

    /// What it is, for error messages.
    pub fn describe(self) -> String {
        match self {
            Grant::Role(role) => format!("granting the {} role", role.as_str()),
            Grant::ApiKey(_) => "creating an API key".to_owned(),
        }
    }
}
