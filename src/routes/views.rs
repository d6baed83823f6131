//! The API's JSON representations of stored rows. Timestamps are RFC 3339 (UTC, milliseconds).

use serde::Serialize;
use serde_json::Value;

use crate::domain::{rfc3339, Role, Scopes};
use crate::http::login_path;
use crate::store::api_keys::ApiKeyRecord;
use crate::store::audit_events::EventRecord;
use crate::store::invitations::{InvitationRecord, InvitationState};
use crate::store::memberships::MemberRecord;
use crate::store::users::UserRecord;
use crate::store::workspaces::{UserWorkspace, WorkspaceRecord};

/// `{id, name, slug, personal, created_at, updated_at}`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkspaceView {
    pub id: String,
    pub name: String,
    pub slug: String,
    /// A user's personal workspace (cannot be deleted).
    pub personal: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&WorkspaceRecord> for WorkspaceView {
    fn from(workspace: &WorkspaceRecord) -> Self {
        Self {
            id: workspace.id.clone(),
            name: workspace.name.clone(),
            slug: workspace.slug.clone(),
            personal: workspace.personal_owner_id.is_some(),
            created_at: rfc3339(workspace.created_at),
            updated_at: rfc3339(workspace.updated_at),
        }
    }
}

/// `{id (membership id), user_id, email, role, created_at}`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub created_at: String,
    /// When WorkOS deleted the user, so that an admin can tell whom to remove; null otherwise.
    pub user_deleted_at: Option<String>,
}

impl From<&MemberRecord> for MemberView {
    fn from(member: &MemberRecord) -> Self {
        Self {
            id: member.id.clone(),
            user_id: member.user_id.clone(),
            email: member.email.clone(),
            role: member.role,
            created_at: rfc3339(member.created_at),
            user_deleted_at: member.user_deleted_at.map(rfc3339),
        }
    }
}

/// `{id, prefix, name, scopes, created_at, last_used_at, revoked_at, expires_at}`: never the
/// secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiKeyView {
    pub id: String,
    pub prefix: String,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub expires_at: Option<String>,
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(key: &ApiKeyRecord) -> Self {
        Self {
            id: key.id.clone(),
            prefix: key.prefix.clone(),
            name: key.name.clone(),
            scopes: key.scopes.clone(),
            created_at: rfc3339(key.created_at),
            last_used_at: key.last_used_at.map(rfc3339),
            revoked_at: key.revoked_at.map(rfc3339),
            expires_at: key.expires_at.map(rfc3339),
        }
    }
}

/// `{type, id}` of an event's actor or target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventParty {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// `{id, action, actor: {type, id}, target: {type, id}, detail, created_at}`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView {
    pub id: String,
    pub action: String,
    pub actor: EventParty,
    pub target: EventParty,
    pub detail: Value,
    pub created_at: String,
}

impl From<&EventRecord> for EventView {
    fn from(event: &EventRecord) -> Self {
        Self {
            id: event.id.clone(),
            action: event.action.clone(),
            actor: EventParty { kind: event.actor_type.clone(), id: event.actor_id.clone() },
            target: EventParty { kind: event.target_type.clone(), id: event.target_id.clone() },
            detail: event.detail.clone(),
            created_at: rfc3339(event.created_at),
        }
    }
}

/// `{id, email, created_at, last_seen_at}`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub last_seen_at: String,
}

impl From<&UserRecord> for UserView {
    fn from(user: &UserRecord) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            created_at: rfc3339(user.created_at),
            last_seen_at: rfc3339(user.last_seen_at),
        }
    }
}

/// One of the caller's memberships: `{id, role, created_at, workspace}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipView {
    pub id: String,
    pub role: Role,
    pub created_at: String,
    pub workspace: WorkspaceView,
}

impl From<&UserWorkspace> for MembershipView {
    fn from(row: &UserWorkspace) -> Self {
        Self {
            id: row.membership_id.clone(),
            role: row.role,
            created_at: rfc3339(row.joined_at),
            workspace: WorkspaceView::from(&row.workspace),
        }
    }
}

/// The answer of `POST /v1/auth/web/callback`: `{user, workspace, membership, default_api_key}`.
/// A returning sign-in's answer is built by SQLite in the sign-in batch (`store::web_sign_in`);
/// the tests hold it to this view's serialisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackAnswer {
    pub user: UserView,
    pub workspace: WorkspaceView,
    pub membership: CallbackMembershipView,
    /// Only on the first sign-in, which created it.
    pub default_api_key: Option<DefaultApiKeyView>,
}

/// The owner membership of the personal workspace: `{id, workspace_id, user_id, role, created_at}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackMembershipView {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub role: Role,
    pub created_at: String,
}

/// The default API key and its secret, shown once: `{api_key: {id, prefix, name, scopes,
/// created_at}, secret}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefaultApiKeyView {
    pub api_key: NewApiKeyView,
    pub secret: String,
}

/// A key just created: `{id, prefix, name, scopes, created_at}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewApiKeyView {
    pub id: String,
    pub prefix: String,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: String,
}

/// `{id, email, role, state, invited_by: {type, id}, created_at, expires_at, accepted_at,
/// accepted_by, revoked_at, sign_up_url}`. `sign_up_url` (while pending) is where to send the
/// invitee: AuthKit's sign-up for that email, whose sign-in accepts the invitation. It is
/// relative to the worker's origin, so the app can add `&return_to=`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub state: InvitationState,
    pub invited_by: EventParty,
    pub created_at: String,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub accepted_by: Option<String>,
    pub revoked_at: Option<String>,
    pub sign_up_url: Option<String>,
}

impl InvitationView {
    /// The invitation as it stands at `now` (unix milliseconds).
    pub fn at(invitation: &InvitationRecord, now: i64) -> Self {
        let state = invitation.state(now);
        Self {
            id: invitation.id.clone(),
            email: invitation.email.clone(),
            role: invitation.role,
            state,
            invited_by: EventParty { kind: invitation.invited_by_type.clone(), id: invitation.invited_by.clone() },
            created_at: rfc3339(invitation.created_at),
            expires_at: rfc3339(invitation.expires_at),
            accepted_at: invitation.accepted_at.map(rfc3339),
            accepted_by: invitation.accepted_by.clone(),
            revoked_at: invitation.revoked_at.map(rfc3339),
            sign_up_url: (state == InvitationState::Pending)
                .then(|| login_path(&[("screen_hint", "sign-up"), ("login_hint", &invitation.email)])),
        }
    }
}
