use super::{Caller, Grant, Permission};
use crate::domain::{Role, Scopes};
use crate::http::ApiError;
use crate::http::ErrorCode;
use crate::store::api_keys::ApiKeyRecord;
use crate::store::workspaces::{WorkspaceAccess, WorkspaceRecord};

/// What the caller is in one workspace: a role, and for an API key its scopes.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// A user's membership role; `Admin` for an API key, which never acts as owner.
    pub role: Role,
    /// An API key's scopes; `None` for a user.
    pub scopes: Option<Scopes>,
}

/// 404 for a workspace the caller may not see, whether or not it exists.
pub fn org_not_found() -> ApiError {
    ApiError::new(ErrorCode::OrgNotFound, "no such workspace")
}

impl Standing {
    /// The workspace and the caller's standing in it, or 404 `org_not_found` when the caller
    /// is not a member (a key: not one of its keys), so existence does not leak.
    pub fn in_workspace<'a>(
        caller: &Caller,
        access: Option<&'a WorkspaceAccess>,
    ) -> Result<(&'a WorkspaceRecord, Standing), ApiError> {
        let access = access.ok_or_else(org_not_found)?;
        let standing = match caller {
            Caller::User(_) => access.member_role.map(|role| Standing { role, scopes: None }),
            Caller::Agent { scopes, .. } => {
                access.member_role.map(|role| Standing { role, scopes: Some(scopes.clone()) })
            }
            Caller::ApiKey(key) => {
                (access.key_active && key.workspace_id == access.workspace.id).then(|| Standing::of_api_key(key))
            }
        };
        standing.map(|standing| (&access.workspace, standing)).ok_or_else(org_not_found)
    }

    /// An API key's standing in its own workspace.
    pub fn of_api_key(key: &ApiKeyRecord) -> Self {
        Standing { role: Role::Admin, scopes: Some(key.scopes.clone()) }
    }

    /// 403 unless the standing allows `permission`: `insufficient_role`, or for an API key
    /// `insufficient_scope`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role < permission.min_role() {
            return Err(self.insufficient_role(permission.describe(), permission.min_role()));
        }
        match (&self.scopes, permission.scope()) {
            (Some(scopes), Some(scope)) if !scopes.contains(scope) => Err(ApiError::insufficient_scope(scope.as_str())),
            (Some(_), None) => Err(self.insufficient_role(permission.describe(), permission.min_role())),
            _ => Ok(()),
        }
    }

    /// 403 unless the caller is an owner: what touching an existing owner (changing their role,
    /// removing them) needs.
    pub fn require_owner_for(&self, what: &str) -> Result<(), ApiError> {
        if self.role < Role::Owner {
            return Err(self.insufficient_role(what, Role::Owner));
        }
        Ok(())
    }

    /// 403 unless the caller may hand out `grant`: a user grants roles up to their own, an API
    /// key only what its own scopes cover and never `owner` (see [`Grant::as_scopes`]). The
    /// route's [`Permission`] is checked separately, before.
    pub fn require_grant(&self, grant: Grant) -> Result<(), ApiError> {
        let Some(own) = &self.scopes else {
            let needed = grant.least_role();
            if self.role < needed {
                return Err(self.insufficient_role(&grant.describe(), needed));
            }
            return Ok(());
        };
        let Some(needed) = grant.as_scopes() else {
            let message = format!(
                "{} needs the owner role; a scoped credential (API key, MCP client) can never grant it",
                grant.describe()
            );
            return Err(ApiError::new(ErrorCode::InsufficientRole, &message));
        };
        match needed.into_iter().find(|scope| !own.contains(*scope)) {
            Some(missing) => Err(ApiError::insufficient_scope(missing.as_str())),
            None => Ok(()),
        }
    }

    fn insufficient_role(&self, what: &str, needed: Role) -> ApiError {
        let message = if self.scopes.is_some() && self.role == Role::Admin {
            format!("{what} needs the {} role; an API key acts as an admin at most", needed.as_str())
        } else {
            format!("{what} needs the {} role", needed.as_str())
        };
        ApiError::new(ErrorCode::InsufficientRole, &message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Scope;

    fn user(role: Role) -> Standing {
        Standing { role, scopes: None }
    }

    fn key(scopes: &[Scope]) -> Standing {
        Standing { role: Role::Admin, scopes: Some(Scopes::new(scopes.iter().copied()).unwrap()) }
    }

    #[test]
    fn roles_and_scopes_gate_permissions() {
        let cases = [
            (user(Role::Member), Permission::Read, None),
            (user(Role::Member), Permission::ManageWorkspace, Some("insufficient_role")),
            (user(Role::Admin), Permission::ManageMembers, None),
            (user(Role::Admin), Permission::DeleteWorkspace, Some("insufficient_role")),
            (user(Role::Owner), Permission::DeleteWorkspace, None),
            (user(Role::Member), Permission::Leave, None),
            (key(&[Scope::Read]), Permission::Read, None),
            (key(&[Scope::Read]), Permission::ManageWorkspace, Some("insufficient_scope")),
            (key(&[Scope::Read, Scope::Write]), Permission::ManageMembers, None),
            (key(&[Scope::Read, Scope::Write]), Permission::ManageApiKeys, Some("insufficient_scope")),
            (key(&[Scope::Keys]), Permission::ManageApiKeys, None),
            (key(&[Scope::Keys]), Permission::Read, Some("insufficient_scope")),
            (key(&[Scope::Read, Scope::Write, Scope::Keys]), Permission::DeleteWorkspace, Some("insufficient_role")),
            (key(&[Scope::Read, Scope::Write, Scope::Keys]), Permission::Leave, Some("insufficient_role")),
        ];
        for (standing, permission, expected) in cases {
            let got = standing.require(permission).err().map(|e| e.code.as_str());
            assert_eq!(got, expected, "{standing:?} {permission:?}");
        }
    }

    #[test]
    fn an_insufficient_scope_names_the_scope_in_the_challenge() {
        let error = key(&[Scope::Read]).require(Permission::ManageApiKeys).unwrap_err();
        assert_eq!(error.status, 403);
        assert_eq!(
            error.headers,
            vec![("www-authenticate", "Bearer error=\"insufficient_scope\", scope=\"keys\"".to_owned())]
        );
    }
}
