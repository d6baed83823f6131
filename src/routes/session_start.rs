//! A new cookie session from a successful WorkOS grant (hosted sign-in's code, headless
//! sign-in's password): the first sign-in provisioned exactly once through the web callback's
//! path, the user's provider identities recorded, the session stored with its sign-in event,
//! and the cookie that names it.

use serde_json::{json, Value};

use super::web_callback::provision;
use crate::app::App;
use crate::auth::session_cookie::{self, SESSION_MAC_PURPOSE};
use crate::auth::session_sealing::seal_for_session;
use crate::domain::{new_id, Actor, Email, IdKind};
use crate::http::{ApiError, ErrorCode};
use crate::log::log_error;
use crate::platform::Platform;
use crate::store::audit_events::{self, NewEvent};
use crate::store::identities;
use crate::store::sessions::{self, NewSession, SessionRecord};
use crate::token::verify_access_token;
use crate::workos::authenticate::Authenticated;
use crate::workos::identities::identities as fetch_identities;
use crate::workos::UserEmail;

/// A session just started.
pub struct StartedSession {
    /// The `Set-Cookie` header value of the session cookie.
    pub set_cookie: String,
    /// Whether this sign-in provisioned the user (the welcome holds their default key).
    pub first_sign_in: bool,
    /// The user as the sign-in's answer shows them (`UserView`).
    pub user: Value,
}

/// Starts the session of `authenticated`: two D1 round trips (the sign-in's batch, then the
/// session's), and the identities asked of WorkOS meanwhile.
pub async fn start_session<P: Platform>(
    app: &App<'_, P>,
    authenticated: &Authenticated,
) -> Result<StartedSession, ApiError> {
    let identity = verify_access_token(&app.isolate.tokens, app.platform, app.config, &authenticated.access_token)
        .await
        .map_err(ApiError::from)?;
    let workos_session_id = identity.session_id.clone().ok_or_else(|| {
        log_error("sign-in: the access token has no sid");
        ApiError::internal()
    })?;
    let email = Email::parse(&authenticated.user.email)
        .ok_or_else(|| ApiError::new(ErrorCode::EmailUnavailable, "WorkOS has no usable email for this user"))?;
    let user_email = UserEmail { email, verified: authenticated.user.email_verified };
    let (provisioned, provider_identities) = futures::future::join(
        provision(app, &identity, &user_email, &format!("sid:{workos_session_id}")),
        fetch_identities(app.platform, app.config, &identity.user_id),
    )
    .await;
    let provisioned = provisioned?;
    // Identities are worth a retry at the next sign-in, not a failed one.
    let provider_identities = provider_identities.unwrap_or_else(|failed| {
        log_error(&format!("sign-in: the user's identities could not be read ({failed:?}); next sign-in retries"));
        Vec::new()
    });
    let answer = provisioned.json_body();
    let first_sign_in = provisioned.status == 201;
    let personal_workspace = answer["workspace"]["id"].as_str().unwrap_or_default().to_owned();
    let now = app.platform.now();

    let secret = session_cookie::new_secret();
    let pepper = app.config.peppers.current();
    let id_hash = session_cookie::hash(pepper, SESSION_MAC_PURPOSE, &secret);
    let seal = |plaintext: &str| seal_for_session(pepper, &id_hash, plaintext);
    let new = NewSession {
        record: SessionRecord {
            id_hash: id_hash.clone(),
            user_id: identity.user_id.clone(),
            workos_session_id: workos_session_id.clone(),
            organization_id: authenticated.organization_id.clone(),
            role: identity.role.clone(),
            authentication_method: authenticated.authentication_method.clone(),
            impersonator: authenticated.impersonator.as_ref().filter(|i| !i.is_null()).map(ToString::to_string),
            access_token_sealed: seal(&authenticated.access_token),
            access_expires_at: identity.expires_at * 1000,
            refresh_token_sealed: seal(&authenticated.refresh_token),
            seal_kid: pepper.kid().to_owned(),
            version: 0,
            refreshing_until: None,
            created_at: now,
            last_used_at: now,
            idle_expires_at: now + app.config.session_idle_seconds * 1000,
            expires_at: now + app.config.session_max_seconds * 1000,
        },
        welcome_sealed: first_sign_in.then(|| seal(&answer["default_api_key"].to_string())),
    };
    let actor = Actor::User(identity.user_id.clone());
    let event_id = new_id(IdKind::Event);
    let mut statements = vec![audit_events::insert_if_workspace_exists(NewEvent {
        id: &event_id,
        workspace_id: &personal_workspace,
        actor: &actor,
        action: "session.signed_in",
        target_type: "session",
        target_id: &workos_session_id,
        detail: json!({
            "authentication_method": authenticated.authentication_method,
            "first_sign_in": first_sign_in,
        }),
        now,
    })];
    statements.extend(provider_identities.iter().map(|found| identities::record(&identity.user_id, found, now)));
    sessions::create(app.platform.db(), &new, statements).await?;
    let set_cookie = app.config.session_cookie.set(&secret, app.config.session_max_seconds);
    Ok(StartedSession { set_cookie, first_sign_in, user: answer["user"].clone() })
}
