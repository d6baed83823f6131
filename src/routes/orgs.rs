//! `/v1/orgs` and `/v1/orgs/{org}`: the caller's workspaces; create, read, rename, delete.

use serde::Deserialize;

use super::input;
use super::verdict::Verdict;
use super::views::WorkspaceView;
use crate::app::App;
use crate::auth::{Caller, CallerLookup, Credential, Permission, Standing, WorkspaceLookup};
use crate::domain::{new_id, IdKind, Name, Scope, Slug, WorkspaceRef};
use crate::http::request::not_null;
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::pagination::{Page, PageParams, Position};
use crate::platform::Platform;
use crate::store::change::{self, Written, MAX_ATTEMPTS};
use crate::store::workspaces::{self, NewWorkspace, UserWorkspace, WorkspaceAccess, WorkspaceRecord};
use crate::store::Batch;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    slug: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default, deserialize_with = "not_null")]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    slug: Option<String>,
}

/// A valid `POST /v1/orgs` body.
struct NewWorkspaceInput {
    name: Name,
    slug: Slug,
}

impl TryFrom<CreateBody> for NewWorkspaceInput {
    type Error = ApiError;
    fn try_from(body: CreateBody) -> Result<Self, ApiError> {
        Ok(Self { name: input::name(&body.name)?, slug: input::slug(&body.slug)? })
    }
}

/// A valid `PATCH /v1/orgs/{org}` body: at least one field.
struct WorkspaceUpdateInput {
    name: Option<Name>,
    slug: Option<Slug>,
}

impl TryFrom<UpdateBody> for WorkspaceUpdateInput {
    type Error = ApiError;
    fn try_from(body: UpdateBody) -> Result<Self, ApiError> {
        if body.name.is_none() && body.slug.is_none() {
            return Err(ApiError::new(ErrorCode::InvalidBody, "send name and/or slug"));
        }
        Ok(Self {
            name: body.name.as_deref().map(input::name).transpose()?,
            slug: body.slug.as_deref().map(input::slug).transpose()?,
        })
    }
}

fn workspace_answer(status: u16, workspace: &WorkspaceRecord) -> ApiResponse {
    ApiResponse::json(status, &WorkspaceView::from(workspace))
}

/// `GET /v1/orgs`: the caller's workspaces in the order they joined (an API key: its own), one
/// round trip.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let params = PageParams::from_request(request, &app.config.peppers);
    let (position, rows) = PageParams::query_hint(&params);
    let mut batch = Batch::new();
    let caller = CallerLookup::push(&mut batch, app, &credential);
    let page = batch.push(match &credential {
        Credential::AccessToken(identity) => workspaces::list_for_user(&identity.user_id, position, rows),
        Credential::ApiKey(key) => workspaces::list_for_api_key(key.key_id(), position, rows),
        Credential::Session(session) => {
            workspaces::list_for_session(&session.hashes, app.platform.now(), position, rows)
        }
    });
    let results = batch.run(app.platform.db()).await?;
    let caller = caller.read(app, &credential, &results).await?;
    match &caller {
        Caller::ApiKey(key) => Standing::of_api_key(key).require(Permission::Read)?,
        Caller::Agent { .. } => drop(caller.require_user(Scope::Read)?),
        Caller::User(_) => {}
    }
    let params = params?;
    let pepper = app.config.peppers.current();
    let answer = match &caller {
        Caller::User(user) | Caller::Agent { user, .. } => {
            let scope = format!("orgs:user:{}", user.id);
            params.position_in(&scope)?;
            let rows = results.rows(page).iter().map(UserWorkspace::from_row).collect::<Result<Vec<_>, _>>()?;
            ApiResponse::json(
                200,
                &Page::from_rows(rows, params.limit, &scope, pepper, UserWorkspace::position, |row| {
                    WorkspaceView::from(&row.workspace)
                }),
            )
        }
        Caller::ApiKey(key) => {
            let scope = format!("orgs:api_key:{}", key.id);
            params.position_in(&scope)?;
            let rows = results.rows(page).iter().map(WorkspaceRecord::from_row).collect::<Result<Vec<_>, _>>()?;
            let position = |w: &WorkspaceRecord| Position::After { created_at: w.created_at, id: w.id.clone() };
            ApiResponse::json(
                200,
                &Page::from_rows(rows, params.limit, &scope, pepper, position, |workspace| {
                    WorkspaceView::from(workspace)
                }),
            )
        }
    };
    Ok(answer)
}

/// `POST /v1/orgs`: creates a workspace whose owner is the caller (users only). Two round trips:
/// the caller, then one atomic batch whose slug test is the insert itself.
pub async fn create<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<CreateBody>().and_then(NewWorkspaceInput::try_from);
    let caller = CallerLookup::identify(app, &credential).await?;
    caller.require_user(Scope::Write)?;
    let input = input?;
    let new = NewWorkspace {
        id: new_id(IdKind::Workspace),
        name: input.name.as_str().to_owned(),
        slug: input.slug.as_str().to_owned(),
        owner: caller.actor(),
        membership_id: new_id(IdKind::Membership),
        event_ids: [new_id(IdKind::Event), new_id(IdKind::Event)],
        now: app.platform.now(),
    };
    let workspace = workspaces::create(app.platform.db(), &new).await?.ok_or_else(input::slug_taken)?;
    let mut answer = workspace_answer(201, &workspace);
    answer.headers.push(("location".into(), format!("/v1/orgs/{}", workspace.id)));
    Ok(answer)
}

/// `GET /v1/orgs/{org}`: one round trip.
pub async fn get<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let found = WorkspaceLookup::new(app, &credential, &WorkspaceRef::parse(org)).run(app).await?;
    let (workspace, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
    standing.require(Permission::Read)?;
    Ok(workspace_answer(200, workspace))
}

/// `PATCH /v1/orgs/{org}`: renames and/or re-slugs. Two round trips (one when nothing changes or
/// the request is refused).
pub async fn update<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<UpdateBody>().and_then(WorkspaceUpdateInput::try_from);
    let workspace_ref = WorkspaceRef::parse(org);
    let requested_slug = input.as_ref().ok().and_then(|input| input.slug.as_ref()).map_or("", Slug::as_str);
    for _ in 0..MAX_ATTEMPTS {
        let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
        let taken = lookup.push(workspaces::select_slug_taken(&workspace_ref, requested_slug));
        let found = lookup.run(app).await?;
        // Who may, before what they sent: a non-member learns nothing from a validation error.
        let (workspace, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageWorkspace)?;
        let input = input.as_ref().map_err(Clone::clone)?;
        let slug_taken = workspaces::slug_taken_from(found.results.first(taken))?;
        if let Verdict::Answer(answer) = decide_update(workspace, slug_taken, input)? {
            return Ok(answer);
        }
        let name = input.name.as_ref().map_or(workspace.name.as_str(), Name::as_str);
        let slug = input.slug.as_ref().map_or(workspace.slug.as_str(), Slug::as_str);
        let change = found.change(app.platform.now())?;
        if let Written::Done(updated) = workspaces::update(app.platform.db(), &change, workspace, name, slug).await? {
            return Ok(workspace_answer(200, &updated));
        }
    }
    Err(change::busy())
}

/// What a caller who may manage the workspace asks for comes to: nothing to do, a taken slug,
/// or a write.
fn decide_update(
    workspace: &WorkspaceRecord,
    slug_taken: bool,
    input: &WorkspaceUpdateInput,
) -> Result<Verdict, ApiError> {
    let renames = input.name.as_ref().is_some_and(|name| name.as_str() != workspace.name);
    let reslugs = input.slug.as_ref().is_some_and(|slug| slug.as_str() != workspace.slug);
    if !renames && !reslugs {
        return Ok(Verdict::Answer(workspace_answer(200, workspace)));
    }
    if reslugs && slug_taken {
        return Err(input::slug_taken());
    }
    Ok(Verdict::Write)
}

/// `DELETE /v1/orgs/{org}`: the workspace with its memberships and API keys, in one atomic
/// batch; the audit trail stays. Owners only; never a personal workspace. Two round trips.
pub async fn delete<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    for _ in 0..MAX_ATTEMPTS {
        let found = WorkspaceLookup::new(app, &credential, &WorkspaceRef::parse(org)).run(app).await?;
        let workspace = decide_delete(&found.caller, found.access.as_ref())?;
        let change = found.change(app.platform.now())?;
        if let Written::Done(()) = workspaces::delete(app.platform.db(), &change, workspace).await? {
            return Ok(ApiResponse::empty(204));
        }
    }
    Err(change::busy())
}

fn decide_delete<'a>(caller: &Caller, access: Option<&'a WorkspaceAccess>) -> Result<&'a WorkspaceRecord, ApiError> {
    let (workspace, standing) = Standing::in_workspace(caller, access)?;
    standing.require(Permission::DeleteWorkspace)?;
    if workspace.personal_owner_id.is_some() {
        return Err(ApiError::new(ErrorCode::PersonalWorkspace, "a personal workspace cannot be deleted"));
    }
    Ok(workspace)
}
