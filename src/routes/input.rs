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

/// A lifetime given as `expires_in_days`: a whole number of days from 1 to `max`, read as JSON
/// Schema reads an integer (`5.0` is 5), so the body's field is an `f64`. Answers the lifetime in
/// milliseconds, or 400 `invalid_body`.
pub fn expires_in_days(days: f64, max: u32) -> Result<i64, ApiError> {
    const DAY_MS: i64 = 86_400_000;
    if days.fract() != 0.0 || !(1.0..=f64::from(max)).contains(&days) {
        let message = format!("expires_in_days is a whole number from 1 to {max}");
        return Err(ApiError::new(ErrorCode::InvalidBody, &message));
    }
    Ok(days as i64 * DAY_MS)
}
