//! `GET /v1/orgs/{org}/events`: the audit trail, newest first.

use super::views::EventView;
use super::App;
use crate::auth::{Credential, Permission, Standing, WorkspaceLookup};
use crate::domain::WorkspaceRef;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::pagination::{Page, PageParams, Position};
use crate::platform::Platform;
use crate::store::audit_events::{self, EventRecord, SEQ_START};

/// `GET /v1/orgs/{org}/events`: one round trip. New events go to the front, so paging on
/// towards older ones never repeats or skips a row.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    let params = PageParams::from_request(request, &app.config.peppers);
    let (position, rows) = PageParams::query_hint(&params);
    let before_seq = match position {
        Some(Position::Before { seq }) => *seq,
        _ => SEQ_START,
    };
    let workspace_ref = WorkspaceRef::parse(org);
    let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
    let page = lookup.push(audit_events::page(&workspace_ref, before_seq, rows));
    let found = lookup.run(app).await?;
    let (workspace, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
    standing.require(Permission::Read)?;
    let params = params?;
    let scope = format!("events:{}", workspace.id);
    params.position_in(&scope)?;
    let rows = found.results.rows(page).iter().map(EventRecord::from_row).collect::<Result<Vec<_>, _>>()?;
    let position = |event: &EventRecord| Position::Before { seq: event.seq };
    let pepper = app.config.peppers.current();
    Ok(ApiResponse::json(200, &Page::from_rows(rows, params.limit, &scope, pepper, position, |event| EventView::from(event))))
}
