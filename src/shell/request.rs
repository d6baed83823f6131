use std::rc::Rc;

use wasm_bindgen::JsCast;
use worker::web_sys;
use worker::ByteStream;

use super::js_text::utf8_bytes;
use crate::http::request::MAX_JSON_BODY_BYTES;
use crate::http::{read_capped, ApiError, ApiRequest, ApiResponse, Method};

/// A Workers request as the core's [`ApiRequest`]. A body whose `Content-Length` is over the cap
/// is refused before being read; any other is read as a stream and refused as soon as it grows
/// past the cap, whatever its headers say.
///
/// It takes the runtime's own request, not `worker::Request`: building that one reads
/// `request.cf`, which the runtime decodes from JSON on first access, and the worker never uses
/// it. That decoding was the largest single cost of a cached read (see docs/performance.md).
///
/// `headers` are the request's own, read by [`headers_of`] (the caller needs them first, to name
/// the request).
pub async fn from_worker_request(
    request: web_sys::Request,
    headers: Vec<(String, String)>,
    request_id: Rc<str>,
) -> Result<ApiRequest, ApiError> {
    let url = request.url();
    let (path, query) = ApiRequest::split_url(&url);
    let origin = origin_of(&url);
    let (path, query) = (path.to_owned(), query.to_owned());
    let declared_length =
        headers.iter().find(|(name, _)| name == "content-length").and_then(|(_, value)| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > MAX_JSON_BODY_BYTES) {
        return Err(ApiError::payload_too_large());
    }
    let method = Method::parse(request.method().as_str());
    let body = match method {
        Method::Get | Method::Head | Method::Options => Vec::new(),
        // A body declared empty (a POST without one, as the web callback's is) is not read:
        // reading even an empty stream waits for the runtime's I/O.
        _ if declared_length == Some(0) => Vec::new(),
        _ => match request.body() {
            Some(chunks) => read_capped(ByteStream::from(chunks), MAX_JSON_BODY_BYTES).await?,
            None => Vec::new(),
        },
    };
    Ok(ApiRequest { method, path, query, headers, body, request_id, origin, mcp_identity: None })
}

/// A request's headers, names in lower case. Read in one piece (`Array.from`, then
/// `JSON.stringify`): iterating them from Rust crosses the wasm boundary about seven times per
/// header, and a request through Cloudflare carries a dozen or more.
pub fn headers_of(request: &web_sys::Request) -> Vec<(String, String)> {
    // Pairs of strings in, JSON out: neither step can fail on what a Headers object holds.
    let text = js_sys::JSON::stringify(&js_sys::Array::from(&request.headers()))
        .map(|text| utf8_bytes(&text))
        .unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_json::from_slice(&text).unwrap_or_default();
    pairs.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect()
}

/// A response's headers as `ResponseInit` takes them: an object when no name repeats, which the
/// runtime reads in half the time of a list of pairs (7 against 15 µs for a response with four
/// headers, timed in workerd as the bench routes time work; the `response` step of `npm run bench
/// -- --only steps` went from 20–22 to 11 µs); the list when one does (two `set-cookie`s), which
/// an object cannot hold.
struct InitHeaders<'a>(&'a [(String, String)]);

impl serde::Serialize for InitHeaders<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let headers = self.0;
        let repeats = headers
            .iter()
            .enumerate()
            .any(|(at, (name, _))| headers[..at].iter().any(|(earlier, _)| earlier.eq_ignore_ascii_case(name)));
        if repeats {
            serializer.collect_seq(headers)
        } else {
            serializer.collect_map(headers.iter().map(|(name, value)| (name, value)))
        }
    }
}

/// `https://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
    url[..end].to_owned()
}

/// The core's [`ApiResponse`] as the runtime's response. Its status and headers go across as one
/// JSON text (`JSON.parse` makes the `ResponseInit`): building a `Headers` object from Rust is a
/// crossing per header and more for the init's fields.
pub fn into_worker_response(response: ApiResponse) -> web_sys::Response {
    #[derive(serde::Serialize)]
    struct Init<'a> {
        status: u16,
        headers: InitHeaders<'a>,
    }
    let init = serde_json::to_string(&Init { status: response.status, headers: InitHeaders(&response.headers) })
        .expect("a status and strings are always JSON");
    let init: web_sys::ResponseInit =
        js_sys::JSON::parse(&init).expect("serde_json writes JSON that JSON.parse reads").unchecked_into();
    let mut body = response.body;
    let body = (!body.is_empty()).then_some(body.as_mut_slice());
    web_sys::Response::new_with_opt_u8_array_and_init(body, &init).unwrap_or_else(|error| {
        // A header value the runtime refuses (only ours are set, so a bug): answer without them.
        crate::log::log_error(&format!("the response could not be built: {error:?}"));
        let init = web_sys::ResponseInit::new();
        init.set_status(500);
        web_sys::Response::new_with_opt_str_and_init(None, &init).expect("a bare 500 can always be built")
    })
}
