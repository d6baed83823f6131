//! `GET /v1/me`: who the caller is.

use serde_json::json;

use super::views::{ApiKeyView, MembershipView, UserView, WorkspaceView};
use crate::app::App;
use crate::auth::{Caller, CallerLookup, Credential};
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::Platform;
use crate::store::identities;
use crate::store::workspaces::{self, UserWorkspace, WorkspaceRecord};
use crate::store::Batch;

/// Memberships listed inline; `GET /v1/orgs` pages through any number.
pub const ME_MEMBERSHIPS: usize = 100;

/// `GET /v1/me`, one round trip: a user with their provider identities and memberships (the
/// first [`ME_MEMBERSHIPS`], oldest first, and whether more exist); an API key (without its secret)
/// with its workspace. Any valid credential may ask, whatever its scopes.
pub async fn me<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let mut batch = Batch::new();
    let caller = CallerLookup::push(&mut batch, app, &credential);
    let related = batch.push(match &credential {
        Credential::AccessToken(identity) => workspaces::list_for_user(&identity.user_id, None, ME_MEMBERSHIPS + 1),
        Credential::ApiKey(key) => workspaces::select_of_api_key(key.key_id()),
        Credential::Session(session) => {
            workspaces::list_for_session(&session.hashes, app.platform.now(), None, ME_MEMBERSHIPS + 1)
        }
    });
    let identities = match &credential {
        Credential::AccessToken(identity) => Some(batch.push(identities::select_for_user(&identity.user_id))),
        Credential::Session(session) => {
            Some(batch.push(identities::select_for_session(&session.hashes, app.platform.now())))
        }
        Credential::ApiKey(_) => None,
    };
    let results = batch.run(app.platform.db()).await?;
    let answer = match caller.read(app, &credential, &results).await? {
        Caller::User(user) | Caller::Agent { user, .. } => {
            let mut memberships =
                results.rows(related).iter().map(UserWorkspace::from_row).collect::<Result<Vec<_>, _>>()?;
            let has_more = memberships.len() > ME_MEMBERSHIPS;
            memberships.truncate(ME_MEMBERSHIPS);
            let identities = match identities {
                Some(slot) => results.rows(slot).iter().map(identities::from_row).collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            json!({
                "type": "user",
                "user": UserView::from(&user),
                "identities": identities,
                "memberships": memberships.iter().map(MembershipView::from).collect::<Vec<_>>(),
                "memberships_has_more": has_more,
            })
        }
        Caller::ApiKey(key) => {
            let workspace = results.first(related).map(WorkspaceRecord::from_row).transpose()?;
            json!({
                "type": "api_key",
                "api_key": ApiKeyView::from(&key),
                "workspace": workspace.as_ref().map(WorkspaceView::from),
            })
        }
    };
    Ok(ApiResponse::json(200, &answer))
}
