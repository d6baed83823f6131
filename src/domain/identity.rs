use serde::Serialize;

/// Who a verified access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// WorkOS user id (`sub`).
    pub user_id: String,
    /// WorkOS session id (`sid`), when present and non-empty.
    pub session_id: Option<String>,
    /// Token id (`jti`), when present and non-empty.
    pub token_id: Option<String>,
    /// The organisation the session is scoped to (`org_id`).
    pub org_id: Option<String>,
    /// The role in that organisation (`role`).
    pub role: Option<String>,
    /// Email from the token (AuthKit JWT template), when present.
    pub email: Option<String>,
    /// Whether the token vouches for that email (`email_verified: true`, also from a JWT
    /// template); without the claim an email from the token counts as unverified.
    pub email_verified: bool,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: i64,
    /// An OAuth token's scopes, space-separated (`scope`); session tokens have none.
    #[serde(skip)]
    pub scope: Option<String>,
    /// The OAuth client an MCP token was issued to.
    #[serde(skip)]
    pub client_id: Option<String>,
}

impl Identity {
    /// The idempotency key of a web callback: `jti`, else `sid`. `None` when neither is usable,
    /// so that unrelated callbacks can never share a key.
    pub fn callback_idempotency_key(&self) -> Option<String> {
        match (&self.token_id, &self.session_id) {
            (Some(jti), _) => Some(format!("jti:{jti}")),
            (None, Some(sid)) => Some(format!("sid:{sid}")),
            (None, None) => None,
        }
    }
}
