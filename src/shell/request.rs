use std::rc::Rc;

use worker::{Headers, Request, Response};

use crate::http::request::MAX_JSON_BODY_BYTES;
use crate::http::{read_capped, ApiError, ApiRequest, ApiResponse, Method};

/// A Workers request as the core's [`ApiRequest`]. A body whose `Content-Length` is over the cap
/// is refused before being read; any other is read as a stream and refused as soon as it grows
/// past the cap, whatever its headers say.
pub async fn from_worker_request(mut request: Request, request_id: Rc<str>) -> Result<ApiRequest, ApiError> {
    let url = request.inner().url();
    let (path, query) = ApiRequest::split_url(&url);
    let origin = origin_of(&url);
    let (path, query) = (path.to_owned(), query.to_owned());
    let headers: Vec<(String, String)> =
        request.headers().entries().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
    let declared_length =
        headers.iter().find(|(name, _)| name == "content-length").and_then(|(_, value)| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > MAX_JSON_BODY_BYTES) {
        return Err(ApiError::payload_too_large());
    }
    let method = Method::parse(request.inner().method().as_str());
    let body = match method {
        Method::Get | Method::Head | Method::Options => Vec::new(),
        // `stream` fails only when there is no body at all.
        _ => match request.stream() {
            Ok(chunks) => read_capped(chunks, MAX_JSON_BODY_BYTES).await?,
            Err(_) => Vec::new(),
        },
    };
    Ok(ApiRequest { method, path, query, headers, body, request_id, origin, mcp_identity: None })
}

/// `https://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
    url[..end].to_owned()
}

/// The core's [`ApiResponse`] as a Workers response.
pub fn into_worker_response(response: ApiResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let worker_response =
        if response.body.is_empty() { Response::empty()? } else { Response::from_bytes(response.body)? };
    Ok(worker_response.with_status(response.status).with_headers(headers))
}
