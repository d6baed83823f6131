//! `GET /v1/orgs/{org}/events`: the audit trail, newest first.

use super::views::EventView;
use super::workspace_list::{list_in_workspace, WorkspaceList};
use crate::app::App;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::pagination::Position;
use crate::platform::Platform;
use crate::store::audit_events::{self, EventRecord, SEQ_START};

/// `GET /v1/orgs/{org}/events`: one round trip. New events go to the front, so paging on
/// towards older ones never repeats or skips a row.
pub async fn list<P: Platform>(app: &App<'_, P>, request: &ApiRequest, org: &str) -> Result<ApiResponse, ApiError> {
    let events = WorkspaceList {
        name: "events",
        page: &|workspace, position, rows| {
            let before_seq = match position {
                Some(Position::Before { seq }) => *seq,
                _ => SEQ_START,
            };
            audit_events::page(workspace, before_seq, rows)
        },
        from_row: EventRecord::from_row,
        position: |event| Position::Before { seq: event.seq },
        view: &|event| EventView::from(event),
        filter_error: None,
    };
    list_in_workspace(app, request, org, events).await
}
