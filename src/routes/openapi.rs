//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route, kept next to this file and
//! checked against [`super::ROUTES`] by the tests.

use crate::http::ApiResponse;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`: public, no database.
pub fn openapi() -> ApiResponse {
    ApiResponse::raw_json(200, OPENAPI_JSON.as_bytes().to_vec())
}
