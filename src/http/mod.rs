//! HTTP on plain values: the request and response the core routes, JSON errors, CORS, the
//! capped body reader, request ids and error logs.

mod body;
mod cors;
mod error;
mod log;
pub mod request;
mod request_id;
mod response;

pub use crate::token::bearer_token;
pub use body::read_capped;
pub use cors::Cors;
pub use error::ApiError;
#[cfg(not(target_arch = "wasm32"))]
pub use log::capture_logs;
pub use log::log_error;
pub use request::{ApiRequest, Method};
pub use request_id::{current_request_id, request_id, with_request_id, REQUEST_ID_HEADER};
pub use response::ApiResponse;
