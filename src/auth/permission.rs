use crate::domain::{Role, Scope};

/// What a route needs from the caller in a workspace: a least role, and for API keys a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The GET routes: members and keys with `read`.
    Read,
    /// Rename, change the slug: admins, keys with `write`.
    ManageWorkspace,
    /// Delete the workspace: owners only (so never an API key).
    DeleteWorkspace,
    /// Add, change and remove members: admins, keys with `write` (owners are for owners).
    ManageMembers,
    /// Remove oneself: any member.
    Leave,
    /// Create and revoke API keys: admins, keys with `keys`.
    ManageApiKeys,
}

impl Permission {
    /// The least role.
    pub fn min_role(self) -> Role {
        match self {
            Permission::Read | Permission::Leave => Role::Member,
            Permission::ManageWorkspace | Permission::ManageMembers | Permission::ManageApiKeys => Role::Admin,
            Permission::DeleteWorkspace => Role::Owner,
        }
    }

    /// The scope an API key needs (`None`: not an API key action).
    pub fn scope(self) -> Option<Scope> {
        match self {
            Permission::Read => Some(Scope::Read),
            Permission::ManageWorkspace | Permission::DeleteWorkspace | Permission::ManageMembers => Some(Scope::Write),
            Permission::ManageApiKeys => Some(Scope::Keys),
            Permission::Leave => None,
        }
    }

    /// What it allows, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Read => "reading this workspace",
            Permission::ManageWorkspace => "changing this workspace",
            Permission::DeleteWorkspace => "deleting this workspace",
            Permission::ManageMembers => "managing members",
            Permission::Leave => "leaving this workspace",
            Permission::ManageApiKeys => "managing API keys",
        }
    }
}
