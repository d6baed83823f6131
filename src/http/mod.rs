//! HTTP on plain values: the request and response the core routes, JSON errors, CORS, and the
//! capped body reader.

mod body;
mod cors;
mod error;
pub mod request;
mod response;

pub use crate::token::bearer_token;
pub use body::read_capped;
pub use cors::Cors;
pub use error::ApiError;
pub use request::{ApiRequest, Method};
pub use response::ApiResponse;

/// Logs a server-side failure (to the Workers console or stderr).
pub fn log_error(message: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{message}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("error: {message}");
}
