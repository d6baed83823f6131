//! `/v1/orgs/{org}/api-keys[/{key_id}]`: list (never secrets), create (the secret is shown once),
//! revoke.

use serde::Deserialize;
use serde_json::json;

use super::input;
use super::verdict::Verdict;
use super::views::ApiKeyView;
use super::workspace_list::{list_in_workspace, WorkspaceList};
use crate::app::App;
use crate::auth::{Caller, Credential, Grant, Permission, Standing, WorkspaceLookup};
use crate::domain::{mint_api_key, Name, Scope, Scopes, WorkspaceRef, API_KEY_MAC_PURPOSE};
use crate::http::request::not_null;
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::Platform;
use crate::store::api_keys::{self, ApiKeyRecord, NewApiKey};
use crate::store::change::{self, Written, MAX_ATTEMPTS};
use crate::store::workspaces::WorkspaceAccess;

/// The longest lifetime a key may be given: a year, so that a forgotten key ends within one. A
/// key made without `expires_in_days` never expires (the default key among them): whether keys
/// must expire is the workspace's policy, not ours.
const MAX_DAYS: u32 = 365;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default, deserialize_with = "not_null")]
    scopes: Option<Vec<Scope>>,
    /// A number, so that `5.0` is read as JSON Schema reads it (an integer), as `5`.
    #[serde(default, deserialize_with = "not_null")]
    expires_in_days: Option<f64>,
}

struct NewKeyInput {
    name: Name,
    scopes: Scopes,
    /// Milliseconds; `None`: the key never expires.
    lifetime: Option<i64>,
}

impl TryFrom<CreateBody> for NewKeyInput {
    type Error = ApiError;
    fn try_from(body: CreateBody) -> Result<Self, ApiError> {
        let scopes = match body.scopes {
            None => Scopes::default_for_new_key(),
            Some(scopes) => Scopes::new(scopes).map_err(|error| ApiError::new(ErrorCode::ScopesInvalid, error.0))?,
        };
        let lifetime = body.expires_in_days.map(|days| input::expires_in_days(days, MAX_DAYS)).transpose()?;
        Ok(Self { name: input::name(&body.name)?, scopes, lifetime })
    }
}

/// `GET /v1/orgs/{org}/api-keys`: oldest first, revoked keys included; one round trip.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let keys = WorkspaceList {
        name: "api_keys",
        page: &api_keys::page,
        from_row: ApiKeyRecord::from_row,
        position: ApiKeyRecord::position,
        view: &|key| ApiKeyView::from(key),
        filter_error: None,
    };
    list_in_workspace(app, request, org, keys).await
}

/// `POST /v1/orgs/{org}/api-keys` `{name, scopes?, expires_in_days?}`: `201 {api_key, secret}`.
/// An API key can only create keys with scopes it has itself ([`Grant`]). Two round trips.
pub async fn create<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<CreateBody>().and_then(NewKeyInput::try_from);
    let minted = mint_api_key();
    let pepper = app.config.peppers.current();
    let secret_hmac = pepper.mac_base64(API_KEY_MAC_PURPOSE, minted.credential.as_bytes());
    for _ in 0..MAX_ATTEMPTS {
        let found = WorkspaceLookup::new(app, &credential, &WorkspaceRef::parse(org)).run(app).await?;
        let (_, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageApiKeys)?;
        let input = input.as_ref().map_err(Clone::clone)?;
        standing.require_grant(Grant::ApiKey(&input.scopes))?;
        let actor = found.caller.actor();
        let change = found.change(app.platform.now())?;
        let new = NewApiKey {
            id: &minted.id,
            name: input.name.as_str(),
            prefix: &minted.prefix,
            scopes: &input.scopes,
            secret_hmac: &secret_hmac,
            pepper_kid: pepper.kid(),
            created_by: actor.user_id(),
            expires_at: input.lifetime.map(|lifetime| change.now + lifetime),
        };
        if let Written::Done(key) = api_keys::create(app.platform.db(), &change, &new).await? {
            let answer = json!({ "api_key": ApiKeyView::from(&key), "secret": minted.credential });
            return Ok(ApiResponse::json(201, &answer));
        }
    }
    Err(change::busy())
}

/// `DELETE /v1/orgs/{org}/api-keys/{key_id}`: revokes (idempotently: a revoked key answers 204
/// again, without a second audit event). Two round trips (one if already revoked).
pub async fn revoke<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    key_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let workspace_ref = WorkspaceRef::parse(org);
    for _ in 0..MAX_ATTEMPTS {
        let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
        let key = lookup.push(api_keys::select_in_workspace(&workspace_ref, key_id));
        let found = lookup.run(app).await?;
        let key = found.results.first(key).map(ApiKeyRecord::from_row).transpose()?;
        let key = match decide_revoke(&found.caller, found.access.as_ref(), key.as_ref())? {
            Verdict::Answer(answer) => return Ok(answer),
            Verdict::Write => key.as_ref().ok_or_else(api_key_not_found)?,
        };
        let change = found.change(app.platform.now())?;
        if let Written::Done(()) = api_keys::revoke(app.platform.db(), &change, key).await? {
            return Ok(ApiResponse::empty(204));
        }
    }
    Err(change::busy())
}

fn api_key_not_found() -> ApiError {
    ApiError::new(ErrorCode::ApiKeyNotFound, "no such API key in this workspace")
}

fn decide_revoke(
    caller: &Caller,
    access: Option<&WorkspaceAccess>,
    key: Option<&ApiKeyRecord>,
) -> Result<Verdict, ApiError> {
    Standing::in_workspace(caller, access)?.1.require(Permission::ManageApiKeys)?;
    let key = key.ok_or_else(api_key_not_found)?;
    if key.revoked_at.is_some() {
        return Ok(Verdict::Answer(ApiResponse::empty(204)));
    }
    Ok(Verdict::Write)
}
