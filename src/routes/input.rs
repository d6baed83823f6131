//! Request bodies turned into domain types at the edge: 422 with the reason when a value is
//! well-formed JSON but invalid.

use crate::domain::{Name, Slug};
use crate::http::ApiError;
use crate::http::ErrorCode;

/// A workspace or API key name (422 `name_invalid`).
pub fn name(text: &str) -> Result<Name, ApiError> {
    Name::parse(text).map_err(|error| ApiError::new(ErrorCode::NameInvalid, error.0))
}

/// A workspace slug (422 `slug_invalid` with the rule it breaks).
pub fn slug(text: &str) -> Result<Slug, ApiError> {
    Slug::parse(text).map_err(|error| ApiError::new(ErrorCode::SlugInvalid, error.0))
}

/// 409 `slug_taken`.
pub fn slug_taken() -> ApiError {
    ApiError::new(ErrorCode::SlugTaken, "another workspace has this slug")
}
