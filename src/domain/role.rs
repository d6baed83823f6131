use serde::{Deserialize, Serialize};

/// A member's role in a workspace. Read only from its name (`try_from`): serde's derived enum
/// also takes `{"admin": null}`, which no schema in the OpenAPI document allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Role {
    /// Reads the workspace.
    Member,
    /// Manages the workspace and its members, except owners.
    Admin,
    /// Does everything, including deleting the workspace and managing owners.
    Owner,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Role::parse(&name).ok_or_else(|| format!("unknown role `{name}`, expected one of owner, admin, member"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_read_from_its_name_only() {
        assert_eq!(serde_json::from_slice::<Role>(r#""admin""#.as_bytes()).unwrap(), Role::Admin);
        for not_a_name in [r#""Admin""#, r#"{"admin":null}"#, "0", "null"] {
            assert!(serde_json::from_slice::<Role>(not_a_name.as_bytes()).is_err(), "{not_a_name}");
        }
    }
}
