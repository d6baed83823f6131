//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route, `public/openapi.json`
//! (published with the worker, not compiled into it), checked against [`super::ROUTES`] by the
//! tests.

use super::published::published;
use crate::app::App;
use crate::http::{ApiError, ApiResponse};
use crate::platform::Platform;

/// `GET /v1/openapi.json`: public, no database.
pub async fn openapi<P: Platform>(app: &App<'_, P>) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::raw_json(200, published(app, "/openapi.json").await?))
}
