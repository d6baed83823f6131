//! A user's provider identities (`GET /user_management/users/{id}/identities`): the provider's
//! own user id, which is what a team needs to move its users off WorkOS later.

use serde::{Deserialize, Serialize};

use super::api::{call, id_segment, Call, CallFailed};
use crate::config::Config;
use crate::platform::Platform;

/// One identity, as WorkOS names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderIdentity {
    /// `GoogleOAuth`, `GitHubOAuth`, …
    pub provider: String,
    /// The provider's id of the user.
    pub idp_id: String,
    /// `OAuth`, …
    #[serde(rename = "type")]
    pub kind: String,
}

/// The user's identities; `Err` when WorkOS could not say.
pub async fn identities<P: Platform>(
    platform: &P,
    config: &Config,
    user_id: &str,
) -> Result<Vec<ProviderIdentity>, CallFailed> {
    let Some(user_id) = id_segment(user_id) else { return Ok(Vec::new()) };
    let answer = call(platform, config, Call::Get(&format!("/user_management/users/{user_id}/identities"))).await?;
    // Entries of an unknown shape are skipped rather than failing the sign-in that asked.
    Ok(answer
        .as_array()
        .map(|list| list.iter().filter_map(|entry| serde_json::from_value(entry.clone()).ok()).collect())
        .unwrap_or_default())
}
