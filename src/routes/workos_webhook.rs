//! `POST /v1/webhooks/workos`: WorkOS's events about users and sessions, so that what WorkOS
//! decides takes effect here at once rather than when a token expires: a deleted user's
//! credentials stop working on their next request, a session revoked at WorkOS ends its cookie
//! sessions, an email changed at WorkOS is the one members lists and adding a member by email see.
//!
//! The signature is checked over the raw body before anything reads it. Each event is applied
//! once (by its id) in one atomic batch, so a redelivery changes nothing; events of other types
//! are acknowledged, so that WorkOS does not retry them. Storage failing is a 503, which WorkOS
//! retries: no event is lost to an outage, and one WorkOS stops retrying is applied by the cron
//! run from its events API (`workos_event_sync`).

use serde::Serialize;

use crate::app::App;
use crate::http::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::platform::Platform;
use crate::store::workos_events::{self, Applied};
use crate::workos::webhook_events::{parse_event, EventChange, EventUnreadable};
use crate::workos::webhook_signature::{self, SIGNATURE_HEADER};
use crate::workos::UserEmail;

/// The answer to a delivery WorkOS may stop retrying.
#[derive(Serialize)]
struct Received<'a> {
    /// The event's id.
    event: &'a str,
    /// Whether an earlier delivery of the event had applied it already.
    duplicate: bool,
}

/// `200 {event, duplicate}`; `401 webhook_signature_invalid`; `400 invalid_body` for a signed
/// body that is not an event we can read; `404` when no `WORKOS_WEBHOOK_SECRET` is configured.
pub async fn receive<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let Some(secret) = app.config.workos_webhook_secret.as_deref() else {
        return Err(ApiError::new(ErrorCode::RouteNotFound, "no such route: WORKOS_WEBHOOK_SECRET is not set"));
    };
    let now = app.platform.now();
    webhook_signature::verify(secret, request.header(SIGNATURE_HEADER), &request.body, now)
        .map_err(|refused| ApiError::new(ErrorCode::WebhookSignatureInvalid, refused.describe()))?;
    let event =
        parse_event(&request.body).map_err(|EventUnreadable(why)| ApiError::new(ErrorCode::InvalidBody, &why))?;
    let applied = workos_events::apply(app.platform.db(), &event, &workos_events::new_delivery(), now).await?;
    if let (Applied::Now { user_changed: true }, EventChange::UserUpdated { user_id, email, email_verified, .. }) =
        (applied, &event.change)
    {
        // The email the next sign-in records comes from this cache for a few minutes: give it
        // WorkOS's new one, here and in KV, rather than let a sign-in write the old one back.
        let user = UserEmail { email: email.clone(), verified: *email_verified };
        app.isolate.user_emails.put(app.platform, app.config, user_id, &user);
    }
    Ok(ApiResponse::json(200, &Received { event: &event.id, duplicate: applied == Applied::Before }))
}
