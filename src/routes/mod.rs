//! The API's routes on plain request/response values.

mod app;
mod health;
mod router;
mod session;
mod web_callback;

pub use app::App;
pub use router::{handle, Route, ROUTES};
