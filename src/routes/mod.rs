//! The API's routes on plain request/response values.

mod api_keys;
mod console;
mod events;
mod health;
mod hosted_sign_in;
mod input;
mod invitations;
mod mcp;
mod me;
mod members;
mod my_sessions;
mod openapi;
mod orgs;
mod password_sign_in;
mod published;
mod router;
mod session;
mod session_organization;
mod session_start;
mod sign_in_limit;
mod stored_first_answer;
mod verdict;
mod views;
mod web_callback;
mod workos_event_sync;
mod workos_webhook;
mod workspace_list;

pub use router::{handle, Route, ROUTES};
pub use workos_event_sync::{sync_events, SyncFailed, Synced};
