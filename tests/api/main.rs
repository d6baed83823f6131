//! Native integration tests: the portable core against real SQLite (the same migrations D1
//! runs), an in-memory KV, and an in-process fake of the WorkOS endpoints.

mod helpers;

mod api_keys;
mod authorisation_matrix;
mod bad_input;
mod browser_guards;
mod concurrency;
mod console;
mod core_profile;
mod events;
mod grants;
mod hosted_sign_in;
mod invitations;
mod mcp;
mod members;
mod migrations;
mod openapi;
mod orgs;
mod pagination;
mod query_plans;
mod request_bodies;
mod round_trips;
mod routing;
mod session_management;
mod storage_errors;
mod token_verification;
mod vendored_serde;
mod web_callback;
mod workos_webhooks;
mod workspace_deletion;
