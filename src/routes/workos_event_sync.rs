//! The scheduled job's second part (the first is `store::purge_expired`), the events API as the
//! webhooks' backstop: it reads WorkOS's events of the types the worker acts on (`GET /events`,
//! oldest first, after the last one it applied) and applies each through the same records as a
//! webhook delivery, so an event applied by either is applied once. A delivery WorkOS gave up on (the worker down for days, a misconfigured
//! endpoint, no endpoint at all) takes effect at the next run instead of never.

use serde::Deserialize;

use crate::config::Config;
use crate::http::request::url_encode;
use crate::log::log_error;
use crate::platform::{DatabaseError, Platform};
use crate::store::workos_events;
use crate::workos::api::{call, Call, CallFailed};
use crate::workos::webhook_events::{read_envelope, Envelope, ACTED_ON};

/// The cursor's name in `workos_event_cursors`.
const STREAM: &str = "events";
/// Events per page, and pages per run: 100 events a run (each its own small batch), so a first
/// run on a deployment with 30 days of history catches up over several runs rather than
/// meeting the platform's limits on one invocation.
const PAGE_SIZE: usize = 25;
const PAGES_PER_RUN: usize = 4;

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Events read and applied (or skipped as unreadable, with a log line each).
    pub events: usize,
    /// Whether the run reached the end of the list (false: the rest waits for the next run).
    pub finished: bool,
}

/// Why a run stopped early: what it applied stays applied, and the next run goes on from there.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncFailed {
    Workos(CallFailed),
    Storage(DatabaseError),
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Envelope>,
}

/// One run: pages of events after the cursor, each applied, the cursor saved after each page.
pub async fn sync_events<P: Platform>(platform: &P, config: &Config) -> Result<Synced, SyncFailed> {
    let db = platform.db();
    let mut after = workos_events::cursor(db, STREAM).await.map_err(SyncFailed::Storage)?;
    let mut synced = Synced { events: 0, finished: false };
    for _ in 0..PAGES_PER_RUN {
        let events = page(platform, config, after.as_deref()).await.map_err(SyncFailed::Workos)?;
        let Some(last_id) = events.last().map(|envelope| envelope.id.clone()) else {
            synced.finished = true;
            break;
        };
        let full = events.len() >= PAGE_SIZE;
        for envelope in events {
            let id = envelope.id.clone();
            match read_envelope(envelope) {
                Ok(event) => {
                    workos_events::apply(db, &event, &workos_events::new_delivery(), platform.now())
                        .await
                        .map_err(SyncFailed::Storage)?;
                }
                // One event no retry can read must not stop every later one.
                Err(unreadable) => log_error(&format!("events sync: skipped {id}: {}", unreadable.0)),
            }
            synced.events += 1;
        }
        workos_events::save_cursor(db, STREAM, &last_id, platform.now()).await.map_err(SyncFailed::Storage)?;
        after = Some(last_id);
        if !full {
            synced.finished = true;
            break;
        }
    }
    Ok(synced)
}

/// `GET /events?events=…&limit=…&order=asc[&after=…]` (arrays as repeated parameters, as
/// WorkOS's SDK sends them).
async fn page<P: Platform>(platform: &P, config: &Config, after: Option<&str>) -> Result<Vec<Envelope>, CallFailed> {
    let mut path = String::from("/events?");
    // Only the types the worker acts on.
    for event in ACTED_ON {
        path.push_str(&format!("events={event}&"));
    }
    path.push_str(&format!("limit={PAGE_SIZE}&order=asc"));
    if let Some(after) = after {
        path.push_str(&format!("&after={}", url_encode(after)));
    }
    let answer = call(platform, config, Call::Get(&path)).await?;
    let page: Page = serde_json::from_value(answer).map_err(|error| {
        log_error(&format!("events sync: WorkOS's page could not be read: {error}"));
        CallFailed::Unavailable { retry_after_seconds: None }
    })?;
    Ok(page.data)
}
