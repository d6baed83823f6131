use super::credential::api_key_invalid;
use super::PresentedApiKey;
use crate::crypto::pepper::PepperRing;
use crate::domain::{Actor, Scope, Scopes};
use crate::http::ApiError;
use crate::http::ErrorCode;
use crate::store::api_keys::{ApiKeyRecord, StoredApiKey};
use crate::store::users::UserRecord;

/// 403 `user_deleted`: WorkOS deleted the user.
pub fn user_deleted() -> ApiError {
    ApiError::new(ErrorCode::UserDeleted, "WorkOS has deleted this user")
}

/// Who is calling, confirmed by the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// A user with a verified access token who has signed in through the web callback. Acts by
    /// their role in each workspace.
    User(UserRecord),
    /// An unrevoked API key with a genuine credential. Acts only in its own workspace, as an
    /// admin at most, within its scopes.
    ApiKey(ApiKeyRecord),
    /// A user acting through an MCP client: by their roles, never beyond the OAuth scopes the
    /// client was granted.
    Agent { user: UserRecord, scopes: Scopes },
}

impl Caller {
    /// A user caller: the token's user must have a `users` row (403 `user_not_provisioned`)
    /// that is not a deleted user's tombstone (403 `user_deleted`: a token WorkOS issued before
    /// deleting them is still signed and unexpired, but the user is gone).
    pub fn user(stored: Option<UserRecord>) -> Result<Self, ApiError> {
        match stored {
            Some(user) if user.deleted_at.is_some() => Err(user_deleted()),
            Some(user) => Ok(Caller::User(user)),
            None => Err(ApiError::new(
                ErrorCode::UserNotProvisioned,
                "this user has not signed in through POST /v1/auth/web/callback yet",
            )),
        }
    }

    /// An API key caller: the key must exist, be unrevoked and match the credential (401
    /// `api_key_invalid`, one answer for all three), and be unexpired at `now` (401
    /// `api_key_expired`: only the genuine credential learns that, so its holder knows to
    /// replace it rather than look for a typo).
    pub fn api_key(
        presented: &PresentedApiKey,
        stored: Option<StoredApiKey>,
        peppers: &PepperRing,
        now: i64,
    ) -> Result<Self, ApiError> {
        match stored {
            Some(stored) if stored.key.revoked_at.is_none() && presented.matches(&stored, peppers) => {
                if stored.key.has_expired(now) {
                    return Err(ApiError::invalid_token(
                        ErrorCode::ApiKeyExpired,
                        "the API key has expired; create a new one",
                    ));
                }
                Ok(Caller::ApiKey(stored.key))
            }
            _ => Err(api_key_invalid()),
        }
    }

    /// A user caller whose token carries OAuth scopes (an MCP client's) acts as an agent.
    pub fn of_token_user(stored: Option<UserRecord>, oauth_scope: Option<&str>) -> Result<Self, ApiError> {
        let caller = Self::user(stored)?;
        match (caller, oauth_scope) {
            (Caller::User(user), Some(scope)) => Ok(Caller::Agent { user, scopes: Scopes::granted(scope) }),
            (caller, _) => Ok(caller),
        }
    }

    /// The user acting, if a user acts.
    pub fn acting_user(&self) -> Option<&UserRecord> {
        match self {
            Caller::User(user) | Caller::Agent { user, .. } => Some(user),
            Caller::ApiKey(_) => None,
        }
    }

    /// The actor the audit trail records.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::User(user) | Caller::Agent { user, .. } => Actor::User(user.id.clone()),
            Caller::ApiKey(key) => Actor::ApiKey(key.id.clone()),
        }
    }

    /// Whether this is the user `user_id`.
    pub fn is_user(&self, user_id: &str) -> bool {
        self.acting_user().is_some_and(|user| user.id == user_id)
    }

    /// Refuses API keys where only users may act; an agent needs `scope` for it.
    pub fn require_user(&self, scope: Scope) -> Result<&UserRecord, ApiError> {
        match self {
            Caller::User(user) => Ok(user),
            Caller::Agent { user, scopes } if scopes.contains(scope) => Ok(user),
            Caller::Agent { .. } => Err(ApiError::insufficient_scope(scope.as_str())),
            Caller::ApiKey(_) => Err(ApiError::new(
                ErrorCode::ApiKeyNotAllowed,
                "API keys act only inside their own workspace; use a user's access token",
            )),
        }
    }
}
