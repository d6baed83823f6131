//! HTTP on plain values: the request and response the core routes, JSON errors, CORS and the
//! origin check, the capped body reader and request ids.

mod body;
mod cookie;
mod cors;
mod error;
mod error_code;
mod login_path;
mod origin_check;
pub mod request;
mod request_id;
mod response;
mod return_to;

pub use body::read_capped;
pub use cookie::{cookie, set_cookie};
pub use cors::Cors;
pub use error::ApiError;
pub use error_code::ErrorCode;
pub use login_path::login_path;
pub use origin_check::{is_unsafe, require_trusted_origin};
pub use request::{ApiRequest, Method};
pub use request_id::{request_id, REQUEST_ID_HEADER};
pub use response::ApiResponse;
pub use return_to::{ReturnTo, ReturnToError};
