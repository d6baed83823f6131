//! Files published with the worker (`public/`), read for a route: a file that cannot be read is
//! our fault (a deployment without its assets), answered 500 and logged.

use crate::app::App;
use crate::http::ApiError;
use crate::log::log_error;
use crate::platform::{Platform, StaticAssets};

/// The bytes of the published file at `path` (e.g. `/openapi.json`).
pub async fn published<P: Platform>(app: &App<'_, P>, path: &str) -> Result<Vec<u8>, ApiError> {
    match app.platform.assets().get(path).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => {
            log_error(&format!("{path} is not published with the worker"));
            Err(ApiError::internal())
        }
        Err(error) => {
            log_error(&format!("{path} could not be read: {error}"));
            Err(ApiError::internal())
        }
    }
}
