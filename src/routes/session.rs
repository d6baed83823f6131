use crate::app::App;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::platform::Platform;

/// `GET /v1/auth/session`: the verified identity of the caller's access token.
pub async fn session<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let identity = app.authenticate_token(request).await?;
    Ok(ApiResponse::json(200, &serde_json::json!({ "identity": &*identity })))
}
