//! The API's routes on plain request/response values.

mod api_keys;
mod console;
mod events;
mod health;
mod hosted_sign_in;
mod input;
mod me;
mod members;
mod openapi;
mod orgs;
mod router;
mod session;
mod sign_in_limit;
mod verdict;
mod views;
mod web_callback;
mod workspace_list;

pub use openapi::OPENAPI_JSON;
pub use router::{handle, Route, ROUTES};
