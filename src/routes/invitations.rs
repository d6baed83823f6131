//! `/v1/orgs/{org}/invitations[/{invitation_id}]`: invite an email address to a workspace with a
//! role, list the invitations, read one, revoke one. Whoever signs in with the address, verified,
//! joins (the acceptance is SQL: `migrations/0009_invitations.sql`); someone who has signed in
//! with it already joins at once, as adding them by email would. Inviting is adding a member:
//! the same permission and the same [`Grant`] rule.

use serde::Deserialize;

use super::input;
use super::views::InvitationView;
use super::workspace_list::{list_in_workspace, WorkspaceList};
use crate::app::App;
use crate::auth::{Credential, Grant, Permission, Standing, WorkspaceLookup, WorkspaceLookupResult};
use crate::domain::{new_id, Email, IdKind, Role, WorkspaceRef};
use crate::http::request::not_null;
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::Platform;
use crate::store::change::{self, Written, MAX_ATTEMPTS};
use crate::store::invitations::{self, InvitationRecord, InvitationState, NewInvitation};
use crate::store::memberships::{self, Candidate};

/// How long an invitation stays open unless the body says otherwise, and the most it may say
/// (WorkOS's own invitations: 7 days by default, `expires_in_days` up to 30).
const DEFAULT_DAYS: u32 = 7;
const MAX_DAYS: u32 = 30;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: String,
    role: Role,
    /// A number, so that `5.0` is read as JSON Schema reads it (an integer), as `5`.
    #[serde(default, deserialize_with = "not_null")]
    expires_in_days: Option<f64>,
}

struct CreateInput {
    email: Email,
    role: Role,
    /// Milliseconds.
    lifetime: i64,
}

impl TryFrom<CreateBody> for CreateInput {
    type Error = ApiError;
    fn try_from(body: CreateBody) -> Result<Self, ApiError> {
        let invalid = |message: &str| ApiError::new(ErrorCode::InvalidBody, message);
        let email = Email::parse(&body.email).ok_or_else(|| invalid("email is not an email address"))?;
        let lifetime = input::expires_in_days(body.expires_in_days.unwrap_or(f64::from(DEFAULT_DAYS)), MAX_DAYS)?;
        Ok(Self { email, role: body.role, lifetime })
    }
}

/// `GET /v1/orgs/{org}/invitations[?state=pending|accepted|revoked|expired]`: oldest first,
/// every state or the one asked for (as of now); one round trip.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let now = app.platform.now();
    let state = state_filter(request);
    // A bad state is reported only once the caller may see the workspace, as a bad cursor is;
    // meanwhile the page is read unfiltered.
    let wanted = state.as_ref().ok().copied().flatten();
    let name = match wanted {
        Some(state) => format!("invitations?state={}", state.as_str()),
        None => "invitations".to_owned(),
    };
    let invitations = WorkspaceList {
        name: &name,
        page: &|workspace, position, rows| invitations::page(workspace, position, rows, wanted, now),
        from_row: InvitationRecord::from_row,
        position: InvitationRecord::position,
        view: &|invitation| InvitationView::at(invitation, now),
        filter_error: state.err(),
    };
    list_in_workspace(app, request, org, invitations).await
}

/// The list's `?state=`, if given.
fn state_filter(request: &ApiRequest) -> Result<Option<InvitationState>, ApiError> {
    match request.query_param("state")? {
        None => Ok(None),
        Some(name) => InvitationState::parse(&name).map(Some).ok_or_else(|| {
            let names = InvitationState::ALL.map(InvitationState::as_str).join(", ");
            ApiError::new(ErrorCode::InvalidQuery, &format!("state is one of {names}"))
        }),
    }
}

/// `POST /v1/orgs/{org}/invitations` `{email, role, expires_in_days?}`: `201` with the
/// invitation, `pending`, or `accepted` when a user with that verified email exists. Inviting an
/// email again replaces its open invitation. Two round trips.
pub async fn create<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let input = request.json::<CreateBody>().and_then(CreateInput::try_from);
    let email = input.as_ref().ok().map(|input| input.email.as_str());
    let workspace_ref = WorkspaceRef::parse(org);
    let id = new_id(IdKind::Invitation);
    for _ in 0..MAX_ATTEMPTS {
        let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
        let candidates = lookup.push(memberships::select_candidates(&workspace_ref, None, email));
        let open = lookup.push(invitations::select_open(&workspace_ref, email.unwrap_or_default()));
        let found = lookup.run(app).await?;
        let (_, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageMembers)?;
        let input = input.as_ref().map_err(Clone::clone)?;
        standing.require_grant(Grant::Role(input.role))?;
        let candidates = memberships::candidates_from(found.results.rows(candidates))?;
        let invitee = known_invitee(&candidates)?;
        let replaces = found.results.first(open).map(InvitationRecord::from_row).transpose()?;
        if let Some(open) = &replaces {
            standing.require_grant(Grant::Role(open.role))?;
        }
        let change = found.change(app.platform.now())?;
        let new = NewInvitation {
            id: &id,
            email: input.email.as_str(),
            role: input.role,
            expires_at: change.now + input.lifetime,
            replaces: replaces.as_ref(),
            invitee,
        };
        if let Written::Done(invitation) = invitations::create(app.platform.db(), &change, &new).await? {
            let mut answer = ApiResponse::json(201, &InvitationView::at(&invitation, change.now));
            let location = format!("/v1/orgs/{}/invitations/{}", change.workspace_id, invitation.id);
            answer.headers.push(("location".into(), location));
            return Ok(answer);
        }
    }
    Err(change::busy())
}

/// The user who has signed in with the invited email, verified, if any: they accept at once.
/// Like adding a member by email: 409 when they are a member already, or when several users
/// have the email.
fn known_invitee(candidates: &[Candidate]) -> Result<Option<&str>, ApiError> {
    match candidates {
        [] => Ok(None),
        [one] if one.existing_role.is_some() => {
            Err(ApiError::new(ErrorCode::AlreadyMember, "the user with this email is already a member"))
        }
        [one] => Ok(Some(one.user_id.as_str())),
        _ => Err(ApiError::new(ErrorCode::UserAmbiguous, "several users have this email; add the member by user_id")),
    }
}

fn invitation_not_found() -> ApiError {
    ApiError::new(ErrorCode::InvitationNotFound, "no such invitation in this workspace")
}

/// One round trip: the caller, the workspace and the invitation `invitation_id` in it.
async fn look_up_invitation<P: Platform>(
    app: &App<'_, P>,
    credential: &Credential,
    org: &str,
    invitation_id: &str,
) -> Result<(WorkspaceLookupResult, Option<InvitationRecord>), ApiError> {
    let workspace_ref = WorkspaceRef::parse(org);
    let mut lookup = WorkspaceLookup::new(app, credential, &workspace_ref);
    let invitation = lookup.push(invitations::select_in_workspace(&workspace_ref, invitation_id));
    let found = lookup.run(app).await?;
    let invitation = found.results.first(invitation).map(InvitationRecord::from_row).transpose()?;
    Ok((found, invitation))
}

/// `GET /v1/orgs/{org}/invitations/{invitation_id}`: one round trip.
pub async fn get<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    invitation_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let (found, invitation) = look_up_invitation(app, &credential, org, invitation_id).await?;
    Standing::in_workspace(&found.caller, found.access.as_ref())?.1.require(Permission::Read)?;
    let invitation = invitation.ok_or_else(invitation_not_found)?;
    Ok(ApiResponse::json(200, &InvitationView::at(&invitation, app.platform.now())))
}

/// `DELETE /v1/orgs/{org}/invitations/{invitation_id}`: revokes a pending invitation (`204`;
/// again, or for an expired one, `204` without a change). Revoking an invitation to a role
/// needs the right to grant it. Two round trips (one without a change).
pub async fn revoke<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    invitation_id: &str,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    for _ in 0..MAX_ATTEMPTS {
        let (found, invitation) = look_up_invitation(app, &credential, org, invitation_id).await?;
        let (_, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
        standing.require(Permission::ManageMembers)?;
        let invitation = invitation.ok_or_else(invitation_not_found)?;
        standing.require_grant(Grant::Role(invitation.role))?;
        let change = found.change(app.platform.now())?;
        match invitation.state(change.now) {
            InvitationState::Pending => {}
            InvitationState::Accepted => {
                let message = "the invitation has been accepted; remove the member instead";
                return Err(ApiError::new(ErrorCode::InvitationAccepted, message));
            }
            InvitationState::Revoked | InvitationState::Expired => return Ok(ApiResponse::empty(204)),
        }
        if let Written::Done(()) = invitations::revoke(app.platform.db(), &change, &invitation).await? {
            return Ok(ApiResponse::empty(204));
        }
    }
    Err(change::busy())
}
