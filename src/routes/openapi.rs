//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route, `public/openapi.json`
//! (published with the worker, not compiled into it), checked against [`super::ROUTES`] by the
//! tests.

use crate::app::App;
use crate::http::{ApiError, ApiResponse};
use crate::log::log_error;
use crate::platform::{Platform, StaticAssets};

/// `GET /v1/openapi.json`: public, no database.
pub async fn openapi<P: Platform>(app: &App<'_, P>) -> Result<ApiResponse, ApiError> {
    match app.platform.assets().get("/openapi.json").await {
        Ok(Some(document)) => Ok(ApiResponse::raw_json(200, document)),
        Ok(None) => {
            log_error("openapi.json is not published with the worker");
            Err(ApiError::internal())
        }
        Err(error) => {
            log_error(&format!("openapi.json could not be read: {error}"));
            Err(ApiError::internal())
        }
    }
}
