//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route, `public/openapi.json`
//! (compiled in, see [`super::published`]), checked against [`super::ROUTES`] by the tests.

use super::published::published;
use crate::http::ApiResponse;

/// `GET /v1/openapi.json`: public, no database.
pub fn openapi() -> ApiResponse {
    let document = published("/openapi.json").expect("the OpenAPI document is compiled in");
    ApiResponse::raw_json(200, document.to_vec())
}
