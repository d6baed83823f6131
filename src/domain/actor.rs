/// Who makes a request or a change, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user, by WorkOS user id.
    User(String),
    /// An API key, by key id.
    ApiKey(String),
}

impl Actor {
    /// `audit_events.actor_type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::ApiKey(_) => "api_key",
        }
    }

    /// The user or key id.
    pub fn id(&self) -> &str {
        match self {
            Actor::User(id) | Actor::ApiKey(id) => id,
        }
    }

    /// The user id, for a user.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User(id) => Some(id),
            Actor::ApiKey(_) => None,
        }
    }
}
