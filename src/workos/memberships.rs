//! Whether a user belongs to a WorkOS organisation (`GET
//! /user_management/organization_memberships?user_id&organization_id&statuses=active`): asked
//! before a session is moved into it, so that a refusal spends nothing.

use super::api::{call, id_segment, Call, CallFailed};
use crate::config::Config;
use crate::platform::Platform;

/// Whether `user_id` has an active membership of `organization_id`.
pub async fn is_member<P: Platform>(
    platform: &P,
    config: &Config,
    user_id: &str,
    organization_id: &str,
) -> Result<bool, CallFailed> {
    let (Some(user_id), Some(organization_id)) = (id_segment(user_id), id_segment(organization_id)) else {
        return Ok(false);
    };
    let path = format!(
        "/user_management/organization_memberships?user_id={user_id}&organization_id={organization_id}&statuses=active"
    );
    let answer = call(platform, config, Call::Get(&path)).await?;
    Ok(answer["data"].as_array().is_some_and(|data| {
        data.iter()
            .any(|m| m["organization_id"] == organization_id && m["status"].as_str().unwrap_or("active") == "active")
    }))
}
