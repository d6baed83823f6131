//! A paginated list inside one workspace (members, invitations, API keys, events): one round trip
//! that reads the caller, the workspace and the page together, then the read permission and the
//! cursor.

use serde::Serialize;

use crate::app::App;
use crate::auth::{Credential, Permission, Standing, WorkspaceLookup};
use crate::domain::WorkspaceRef;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::pagination::{Page, PageParams, Position};
use crate::platform::{DatabaseError, Platform, Row, Statement};

/// What differs between the lists of a workspace.
pub struct WorkspaceList<'a, R, V> {
    /// Names the list in its cursors (`members`, `api_keys`, `events`; with its filter, if it
    /// has one), so a cursor of one list, filter or workspace is refused by another.
    pub name: &'a str,
    /// The page query from the cursor's position (`None`: the first page) and the rows wanted.
    pub page: &'a dyn Fn(&WorkspaceRef, Option<&Position>, usize) -> Statement,
    /// A row as a record.
    pub from_row: fn(&Row) -> Result<R, DatabaseError>,
    /// Where a record sits in the list.
    pub position: fn(&R) -> Position,
    /// A record as the API shows it.
    pub view: &'a dyn Fn(&R) -> V,
    /// What is wrong with the list's own query parameters (its filter), if anything: like a bad
    /// cursor, reported only once the caller may see the workspace.
    pub filter_error: Option<ApiError>,
}

/// Answers `GET` of a workspace list: `{data, has_more, next_cursor}`.
pub async fn list_in_workspace<P: Platform, R, V: Serialize>(
    app: &App<'_, P>,
    request: &ApiRequest,
    org: &str,
    list: WorkspaceList<'_, R, V>,
) -> Result<ApiResponse, ApiError> {
    let credential = Credential::from_request(app, request).await?;
    // A bad cursor or limit is reported only after the caller may see the workspace.
    let params = PageParams::from_request(request, &app.config.peppers);
    let (position, rows) = PageParams::query_hint(&params);
    let workspace_ref = WorkspaceRef::parse(org);
    let mut lookup = WorkspaceLookup::new(app, &credential, &workspace_ref);
    let page = lookup.push((list.page)(&workspace_ref, position, rows));
    let found = lookup.run(app).await?;
    let (workspace, standing) = Standing::in_workspace(&found.caller, found.access.as_ref())?;
    standing.require(Permission::Read)?;
    if let Some(error) = list.filter_error {
        return Err(error);
    }
    let params = params?;
    let scope = format!("{}:{}", list.name, workspace.id);
    params.position_in(&scope)?;
    let rows = found.results.rows(page).iter().map(list.from_row).collect::<Result<Vec<_>, _>>()?;
    let pepper = app.config.peppers.current();
    Ok(ApiResponse::json(200, &Page::from_rows(rows, params.limit, &scope, pepper, list.position, list.view)))
}
