//! A user's WorkOS sessions: listing them (`GET /user_management/users/{id}/sessions`) and
//! revoking one (`POST /user_management/sessions/revoke`) when the user asks.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::api::{call, id_segment, Call, CallFailed};
use crate::config::Config;
use crate::http::request::url_encode;
use crate::platform::Platform;

/// WorkOS lists at most this many per page.
pub const MAX_PAGE: usize = 100;

/// A session as WorkOS lists it (the fields the API shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkosSession {
    pub id: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub organization_id: Option<String>,
    pub auth_method: Option<String>,
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<WorkosSession>,
    list_metadata: ListMetadata,
}

#[derive(Deserialize)]
struct ListMetadata {
    after: Option<String>,
}

/// One page of the user's sessions, newest first, and the id to continue after.
pub async fn list<P: Platform>(
    platform: &P,
    config: &Config,
    user_id: &str,
    limit: usize,
    after: Option<&str>,
) -> Result<(Vec<WorkosSession>, Option<String>), CallFailed> {
    let Some(user_id) = id_segment(user_id) else { return Ok((Vec::new(), None)) };
    let mut path = format!("/user_management/users/{user_id}/sessions?limit={}", limit.clamp(1, MAX_PAGE));
    if let Some(after) = after {
        path.push_str(&format!("&after={}", url_encode(after)));
    }
    let answer = call(platform, config, Call::Get(&path)).await?;
    let page: Page =
        serde_json::from_value(answer).map_err(|_| CallFailed::Unavailable { retry_after_seconds: None })?;
    Ok((page.data, page.list_metadata.after))
}

/// Revokes the session at WorkOS (its refresh token dies with it).
pub async fn revoke<P: Platform>(platform: &P, config: &Config, session_id: &str) -> Result<(), CallFailed> {
    call(platform, config, Call::Post("/user_management/sessions/revoke", json!({ "session_id": session_id }))).await?;
    Ok(())
}
