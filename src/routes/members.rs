//! `/v1/orgs/{org}/members[/{user_id}]`: list, add users who have signed in before, read, change
//! roles, remove (or leave). Owners manage owners; the last owner and a personal workspace's
//! owner stay owners. The rules live here only: each write lands only on the state they read.

use serde::Deserialize;

use super::verdict::Verdict;
use super::views::MemberView;
use super::workspace_list::{list_in_workspace, WorkspaceList};
use crate::app::App;
use crate::auth::{Caller, Credential, Grant, Permission, Standing, WorkspaceLookup, WorkspaceLookupResult};
use crate::domain::{new_id, IdKind, Role, WorkspaceRef};
use crate::http::request::not_null;
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::Platform;
use crate::store::change::{self, Written, MAX_ATTEMPTS};
use crate::store::memberships::{self, Candidate, MemberRecord, MemberState, NewMembership, TargetMember};
use crate::store::workspaces::WorkspaceRecord;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddBody {
    #[serde(default, deserialize_with = "not_null")]
    user_id: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    email: Option<String>,
    role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    role: Role,
}

/// Who to add: exactly one of a user id and an email.
enum Invitee {
    UserId(String),
    Email(String),
}

struct AddInput {
    invitee: Invitee,
    role: Role,
}

impl TryFrom<AddBody> for AddInput {
    type Error = ApiError;
    fn try_from(body: AddBody) -> Result<Self, ApiError> {
        let invitee = match (body.user_id, body.email) {
            (Some(user_id), None) => Invitee::UserId(user_id),
            (None, Some(email)) => Invitee::Email(email.trim().to_owned()),
            _ => return Err(ApiError::new(ErrorCode::InvalidBody, "send exactly one of user_id and email")),
        };
        Ok(Self { invitee, role: body.role })
    }
}

fn member_not_found() -> ApiError {
    ApiError::new(ErrorCode::MemberNotFound, "this user is not a member of the workspace")
}

/// One round trip: the caller, the workspace and the member `user_id` in it.
async fn look_up_member<P: Platform>(
    app: &App<'_, P>,
    credential: &Credential,
    org: &str,
    user_id: &str,
) -> Result<(WorkspaceLookupResult, Option<TargetMember>), ApiError> {
    let workspace_ref = WorkspaceRef::parse(org);
    let mut lookup = WorkspaceLookup::new(app, credential, &workspace_ref);
    let target = lookup.push(memberships::select_target(&workspace_ref, user_id));
    let found = lookup.run(app).await?;
    let target = memberships::target_from(found.results.first(target))?;
    Ok((found, target))
}

fn member_answer(status: u16, member: &MemberRecord) -> ApiResponse {
    ApiResponse::json(status, &MemberView::from(member))
}

/// `GET /v1/orgs/{org}/members`: in the order they joined, one round trip.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let members = WorkspaceList {
        name: "members",
        page: &memberships::page,
        from_row: MemberRecord::from_row,
        position: MemberRecord::position,
        view: &|member| MemberView::from(member),
        filter_error: None,
    };
    list_in_workspace(app, request, org, members).await
}

/// `GET /v1/orgs/{org}/members/{user_id}`: one round trip.
pub async fn get<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    user_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let (found, target) = look_up_member(app, &credential, org, user_id).await?;
    Standing::in_workspace(&found.caller, found.access.as_ref())?.1.require(Permission::Read)?;
    let target = target.ok_or_else(member_not_found)?;
    Ok(member_answer(200, &target.member))
}

/// `POST /v1/orgs/{org}/members`: adds a user who has signed in before. Two round trips.
pub async fn add<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<AddBody>().and_then(AddInput::try_from);
    let workspace_ref = WorkspaceRef::parse(org);
    let (user_id, email) = match input.as_ref().map(|input| &input.invitee) {
        Ok(Invitee::UserId(user_id)) => (Some(user_id.as_str()), None),
        Ok(Invitee::Email(email)) => (None, Some(email.as_str())),
        Err(_) => (None, None),
    };
    let membership_id = new_id(IdKind::Membership);
    for _ in 0..MAX_ATTEMPTS {
        let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
        let candidates = lookup.push(memberships::select_candidates(&workspace_ref, user_id, email));
        let found = lookup.run(app).await?;
        let (_, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageMembers)?;
        let input = input.as_ref().map_err(Clone::clone)?;
        let candidate = single_candidate(memberships::candidates_from(found.results.rows(candidates))?)?;
        decide_add(&standing, input.role, candidate.existing_role)?;
        let change = found.change(app.platform.now())?;
        let new = NewMembership { id: &membership_id, user_id: &candidate.user_id, role: input.role };
        if let Written::Done(member) = memberships::add(app.platform.db(), &change, &new).await? {
            let mut answer = member_answer(201, &member);
            let location = format!("/v1/orgs/{}/members/{}", change.workspace_id, member.user_id);
            answer.headers.push(("location".into(), location));
            return Ok(answer);
        }
    }
    Err(change::busy())
}

/// The one user the body names: 404 when nobody with that id or email has signed in, 409 when
/// an email names several users.
fn single_candidate(mut candidates: Vec<Candidate>) -> Result<Candidate, ApiError> {
    match candidates.len() {
        0 => Err(ApiError::new(ErrorCode::UserNotFound, "no user with this id or email has signed in yet")),
        1 => Ok(candidates.remove(0)),
        _ => Err(ApiError::new(ErrorCode::UserAmbiguous, "several users have this email; add the member by user_id")),
    }
}

/// Whether a caller who may manage members may add this user with `role`.
fn decide_add(standing: &Standing, role: Role, existing_role: Option<Role>) -> Result<(), ApiError> {
    standing.require_grant(Grant::Role(role))?;
    if existing_role.is_some() {
        return Err(ApiError::new(ErrorCode::AlreadyMember, "this user is already a member"));
    }
    Ok(())
}

/// `PATCH /v1/orgs/{org}/members/{user_id}` `{role}`. Two round trips (one when the role already
/// is that, or the change is refused).
pub async fn update<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    user_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<UpdateBody>();
    for _ in 0..MAX_ATTEMPTS {
        let (found, target) = look_up_member(app, &credential, org, user_id).await?;
        let (workspace, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageMembers)?;
        let role = input.as_ref().map_err(Clone::clone)?.role;
        let target = target.as_ref().ok_or_else(member_not_found)?;
        let member = match decide_role(workspace, &standing, target, role)? {
            Verdict::Answer(answer) => return Ok(answer),
            Verdict::Write => &target.member,
        };
        let change = found.change(app.platform.now())?;
        if let Written::Done(member) = memberships::change_role(app.platform.db(), &change, member, role).await? {
            return Ok(member_answer(200, &member));
        }
    }
    Err(change::busy())
}

/// Whether a caller who may manage members may give `target` the role `role`.
fn decide_role(
    workspace: &WorkspaceRecord,
    standing: &Standing,
    target: &TargetMember,
    role: Role,
) -> Result<Verdict, ApiError> {
    let TargetMember { member, owner_count } = target;
    if member.role == Role::Owner {
        standing.require_owner_for("changing an owner's role")?;
    }
    standing.require_grant(Grant::Role(role))?;
    if member.role == role {
        return Ok(Verdict::Answer(member_answer(200, member)));
    }
    if workspace.personal_owner_id.as_deref() == Some(member.user_id.as_str()) {
        return Err(ApiError::new(ErrorCode::PersonalWorkspace, "the owner of a personal workspace stays its owner"));
    }
    if member.role == Role::Owner && *owner_count <= 1 {
        return Err(last_owner());
    }
    Ok(Verdict::Write)
}

fn last_owner() -> ApiError {
    ApiError::new(ErrorCode::LastOwner, "a workspace keeps at least one owner; make another member owner first")
}

/// `DELETE /v1/orgs/{org}/members/{user_id}`: removes a member, or the caller leaves. Two round
/// trips.
pub async fn remove<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    user_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    for _ in 0..MAX_ATTEMPTS {
        let (found, target) = look_up_member(app, &credential, org, user_id).await?;
        let state = MemberState { access: found.access.clone(), target };
        let member = decide_remove(&found.caller, &state, user_id)?;
        let change = found.change(app.platform.now())?;
        let leaves = found.caller.is_user(user_id);
        if let Written::Done(()) = memberships::remove(app.platform.db(), &change, member, leaves).await? {
            return Ok(ApiResponse::empty(204));
        }
    }
    Err(change::busy())
}

/// The member to remove, if the caller may: leaving needs less than removing someone else.
fn decide_remove<'a>(caller: &Caller, state: &'a MemberState, user_id: &str) -> Result<&'a MemberRecord, ApiError> {
    let (workspace, standing) = Standing::in_workspace(caller, state.access.as_ref())?;
    let permission = if caller.is_user(user_id) { Permission::Leave } else { Permission::ManageMembers };
    standing.require(permission)?;
    let TargetMember { member, owner_count } = state.target.as_ref().ok_or_else(member_not_found)?;
    if member.role == Role::Owner {
        standing.require_owner_for("removing an owner")?;
    }
    if workspace.personal_owner_id.as_deref() == Some(member.user_id.as_str()) {
        return Err(ApiError::new(ErrorCode::PersonalWorkspace, "the owner of a personal workspace cannot leave it"));
    }
    if member.role == Role::Owner && *owner_count <= 1 {
        return Err(last_owner());
    }
    Ok(member)
}
