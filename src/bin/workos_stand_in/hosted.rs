//! Hosted sign-in as AuthKit plays it: the authorize page a person can use in a browser, the
//! approval that redirects back with a code, `POST /user_management/authenticate` for the code
//! (PKCE checked) and refresh grants (single-use rotation), and session revocation and logout.
//! WorkOS's shapes and errors; failure switches for the refresh grant.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use super::ids;

/// How long an authorization code may wait to be exchanged (WorkOS: 10 minutes).
const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// What the refresh grant answers instead of rotating (tests switch it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshFailure {
    None,
    /// 429 with `Retry-After`.
    RateLimited,
    /// 503.
    Unavailable,
    /// Hangs past any client timeout.
    Timeout,
    /// 400 `invalid_grant`: the session ended at WorkOS.
    InvalidGrant,
}

/// A code waiting to be exchanged.
#[derive(Clone, Debug)]
struct PendingCode {
    user_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    organization_id: Option<String>,
    expires_at: i64,
}

/// A WorkOS session: who, in which organisation, its one live refresh token.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub organization_id: Option<String>,
    #[serde(skip)]
    refresh_token: String,
    pub revoked: bool,
    pub auth_method: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
}

/// Where a new session comes from.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub auth_method: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// Codes and sessions.
#[derive(Default)]
pub struct Hosted {
    codes: HashMap<String, PendingCode>,
    sessions: HashMap<String, Session>,
    pub refresh_failure: Option<RefreshFailure>,
    /// How the authenticate grants issue tokens (tests switch it).
    pub issuing: Issuing,
}

/// How `authenticate` issues a session's tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuing {
    /// The access tokens' lifetime (default: the minting default, 5 minutes).
    pub ttl_seconds: Option<i64>,
    /// How long the refresh grant takes before it rotates and answers.
    #[serde(default)]
    pub refresh_delay_ms: u64,
}

/// Why an exchange is refused, as WorkOS answers it: `{error, error_description}`.
#[derive(Debug, PartialEq)]
pub struct GrantError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl GrantError {
    /// A required field is missing from the request.
    pub fn missing(field: &str) -> Self {
        GrantError { status: 400, error: "invalid_request", description: format!("{field} is required.") }
    }
}

fn invalid_grant(description: &str) -> GrantError {
    GrantError { status: 400, error: "invalid_grant", description: description.to_owned() }
}

/// base64url(SHA-256(verifier)): RFC 7636's S256.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Hosted {
    /// Records a code for `user_id`; the caller redirects with it.
    pub fn issue_code(
        &mut self,
        user_id: &str,
        redirect_uri: &str,
        code_challenge: Option<&str>,
        organization_id: Option<&str>,
    ) -> String {
        let code = format!("code_{}", ids::ulid_like());
        self.codes.insert(
            code.clone(),
            PendingCode {
                user_id: user_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                code_challenge: code_challenge.map(str::to_owned),
                organization_id: organization_id.map(str::to_owned),
                expires_at: ids::now_unix_millis() + CODE_LIFETIME_MS,
            },
        );
        code
    }

    /// The code grant: single use, PKCE checked, a new session.
    pub fn exchange_code(
        &mut self,
        code: &str,
        code_verifier: Option<&str>,
        origin: Origin,
    ) -> Result<Session, GrantError> {
        let pending =
            self.codes.remove(code).ok_or_else(|| invalid_grant("The code is invalid or was already used."))?;
        if pending.expires_at < ids::now_unix_millis() {
            return Err(invalid_grant("The code has expired."));
        }
        if let Some(challenge) = &pending.code_challenge {
            if code_verifier.map(s256).as_deref() != Some(challenge.as_str()) {
                return Err(invalid_grant("The code_verifier does not match the code_challenge."));
            }
        }
        let _ = pending.redirect_uri;
        Ok(self.start_session(&pending.user_id, pending.organization_id, origin))
    }

    /// A new session for `user_id` (the code and password grants).
    pub fn start_session(&mut self, user_id: &str, organization_id: Option<String>, origin: Origin) -> Session {
        let session = Session {
            id: ids::prefixed("session"),
            user_id: user_id.to_owned(),
            organization_id,
            refresh_token: new_refresh_token(),
            revoked: false,
            auth_method: origin.auth_method,
            ip_address: origin.ip_address,
            user_agent: origin.user_agent,
            created_at: ids::now_unix_millis(),
        };
        self.sessions.insert(session.id.clone(), session.clone());
        session
    }

    /// A user's sessions, newest first.
    pub fn sessions_of(&self, user_id: &str) -> Vec<Session> {
        let mut sessions: Vec<Session> = self.sessions.values().filter(|s| s.user_id == user_id).cloned().collect();
        sessions.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        sessions
    }

    /// The refresh grant: the token is spent, a new one takes its place; a spent, unknown or
    /// revoked one is `invalid_grant`.
    pub fn refresh(&mut self, refresh_token: &str, organization_id: Option<&str>) -> Result<Session, GrantError> {
        let session = self
            .sessions
            .values_mut()
            .find(|s| s.refresh_token == refresh_token)
            .ok_or_else(|| invalid_grant("Refresh token already exchanged or invalid."))?;
        if session.revoked {
            return Err(invalid_grant("Session has been revoked."));
        }
        if let Some(organization_id) = organization_id {
            session.organization_id = Some(organization_id.to_owned());
        }
        session.refresh_token = new_refresh_token();
        Ok(session.clone())
    }

    /// The session whose live refresh token this is.
    pub fn session_of_refresh_token(&self, refresh_token: &str) -> Option<&Session> {
        self.sessions.values().find(|s| s.refresh_token == refresh_token)
    }

    /// Ends a session; `false` when there is no such session.
    pub fn revoke(&mut self, session_id: &str) -> bool {
        match self.sessions.get_mut(session_id) {
            Some(session) => {
                session.revoked = true;
                true
            }
            None => false,
        }
    }

    /// A session, for tests and stats.
    pub fn session(&self, session_id: &str) -> Option<&Session> {
        self.sessions.get(session_id)
    }
}

impl Session {
    /// The live refresh token.
    pub fn refresh_token(&self) -> &str {
        &self.refresh_token
    }

    /// The session as WorkOS lists it (`GET /user_management/users/{id}/sessions`).
    pub fn listed(&self) -> serde_json::Value {
        let at = edge_auth::domain::rfc3339(self.created_at);
        serde_json::json!({
            "object": "session",
            "id": self.id,
            "user_id": self.user_id,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "organization_id": self.organization_id,
            "impersonator": null,
            "auth_method": self.auth_method,
            "status": if self.revoked { "revoked" } else { "active" },
            "expires_at": edge_auth::domain::rfc3339(self.created_at + 30 * 86_400_000),
            "ended_at": null,
            "created_at": at,
            "updated_at": at,
        })
    }
}

fn new_refresh_token() -> String {
    format!("rt_{}{}", ids::ulid_like(), ids::ulid_like())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_single_use_and_pkce_is_checked() {
        let mut hosted = Hosted::default();
        let code = hosted.issue_code("user_1", "http://x/cb", Some(&s256("verifier")), None);
        assert_eq!(hosted.exchange_code(&code, Some("wrong"), Origin::default()).unwrap_err().error, "invalid_grant");
        let code = hosted.issue_code("user_1", "http://x/cb", Some(&s256("verifier")), None);
        let session = hosted.exchange_code(&code, Some("verifier"), Origin::default()).unwrap();
        assert_eq!(session.user_id, "user_1");
        assert_eq!(
            hosted.exchange_code(&code, Some("verifier"), Origin::default()).unwrap_err().error,
            "invalid_grant",
            "used"
        );
    }

    #[test]
    fn refresh_tokens_rotate_and_are_single_use() {
        let mut hosted = Hosted::default();
        let code = hosted.issue_code("user_1", "http://x/cb", None, None);
        let session = hosted.exchange_code(&code, None, Origin::default()).unwrap();
        let first = session.refresh_token().to_owned();
        let rotated = hosted.refresh(&first, Some("org_1")).unwrap();
        assert_ne!(rotated.refresh_token(), first);
        assert_eq!(rotated.organization_id.as_deref(), Some("org_1"));
        assert_eq!(hosted.refresh(&first, None).unwrap_err().error, "invalid_grant", "spent");
        assert!(hosted.revoke(&session.id));
        assert_eq!(hosted.refresh(rotated.refresh_token(), None).unwrap_err().error, "invalid_grant", "revoked");
    }
}
