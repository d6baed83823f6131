use std::rc::Rc;

use js_sys::JsString;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::web_sys;
use worker::ByteStream;

use super::js_text::utf8_bytes;
use crate::http::request::MAX_JSON_BODY_BYTES;
use crate::http::{read_capped, ApiError, ApiRequest, ApiResponse, Method};

/// What the shell reads of a request before its body: its method, URL and headers (names in
/// lower case).
pub struct RequestHead {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

#[wasm_bindgen(module = "/src/shell/intake.js")]
extern "C" {
    /// The request's method, URL and the headers the worker reads, as lines (see intake.js).
    #[wasm_bindgen(js_name = requestText)]
    fn request_text(request: &web_sys::Request) -> JsString;

    /// Tells intake.js which headers to read for each method (see [`headers_read_table`]).
    #[wasm_bindgen(js_name = setHeadersRead)]
    fn set_headers_read(table: &str);
}

thread_local! {
    /// Whether intake.js has been told this instance's [`headers_read_table`] (a new instance,
    /// after a panic, tells it again).
    static HEADERS_READ_TOLD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The headers to read, as intake.js takes them: a line for each method the API names,
/// `METHOD name,name,…` ([`Method::headers_read`]), and `* name,…` for any other (what
/// [`Method::Other`], which [`Method::parse`] makes of it, is read for). Names and methods are
/// tokens, which hold neither a comma nor a space.
fn headers_read_table() -> String {
    let line = |method: &str, names: &[&str]| format!("{method} {}", names.join(","));
    let mut lines = vec![line("*", Method::Other.headers_read())];
    lines.extend(Method::NAMED.iter().map(|method| line(method.as_str(), method.headers_read())));
    lines.join("\n")
}

/// A request's method, URL and the headers its method is read for ([`Method::headers_read`]),
/// read in one piece: iterating the headers from Rust crosses the wasm boundary about seven times
/// per header (a request through Cloudflare carries a dozen or more), and each string read from
/// JS crosses once more. `intake.js` writes them as lines, which Rust splits without a JSON parser
/// (the JSON of the headers was the shell's way until 2026-12-02; `npm run bench -- --only
/// instructions` measured the change).
pub fn head_of(request: &web_sys::Request) -> RequestHead {
    if !HEADERS_READ_TOLD.replace(true) {
        set_headers_read(&headers_read_table());
    }
    // `TextEncoder` writes only whole characters, so the bytes are UTF-8.
    let text = String::from_utf8(utf8_bytes(&request_text(request))).unwrap_or_default();
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default().to_owned();
    let url = lines.next().unwrap_or_default().to_owned();
    let mut headers = Vec::with_capacity(16);
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        // The name is one of ours, asked for by it, so already in lower case.
        headers.push((name.to_owned(), value.to_owned()));
    }
    RequestHead { method, url, headers }
}

/// A Workers request as the core's [`ApiRequest`]. A body whose `Content-Length` is over the cap
/// is refused before being read; any other is read as a stream and refused as soon as it grows
/// past the cap, whatever its headers say.
///
/// It takes the runtime's own request, not `worker::Request`: building that one reads
/// `request.cf`, which the runtime decodes from JSON on first access, and the worker never uses
/// it. That decoding was the largest single cost of a cached read (see docs/performance.md).
///
/// `head` is the request's own, read by [`head_of`] (the caller needs its headers first, to
/// name the request).
pub async fn from_worker_request(
    request: web_sys::Request,
    head: RequestHead,
    request_id: Rc<str>,
) -> Result<ApiRequest, ApiError> {
    let RequestHead { method, url, headers } = head;
    let (path, query) = ApiRequest::split_url(&url);
    let origin = origin_of(&url);
    let (path, query) = (path.to_owned(), query.to_owned());
    let declared_length =
        headers.iter().find(|(name, _)| name == "content-length").and_then(|(_, value)| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > MAX_JSON_BODY_BYTES) {
        return Err(ApiError::payload_too_large());
    }
    let method = Method::parse(&method);
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

/// `https://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
    url[..end].to_owned()
}

#[wasm_bindgen(module = "/src/shell/response.js")]
extern "C" {
    /// The runtime's response of a status, headers as lines and a body (see response.js).
    #[wasm_bindgen(js_name = responseOf, catch)]
    fn response_of(status: u16, header_lines: &str, repeats: bool, body: &[u8]) -> Result<web_sys::Response, JsValue>;
}

/// The core's [`ApiResponse`] as the runtime's response. Its headers cross as lines of one text
/// (`response.js` makes them the init's headers): building a `Headers` object from Rust is a
/// crossing per header, and before the lines they crossed as JSON for `JSON.parse`.
pub fn into_worker_response(response: ApiResponse) -> web_sys::Response {
    let headers = &response.headers;
    // A line break in a name or value would start a line of its own: refused here, as the
    // runtime refuses one in a header.
    let refused = headers.iter().find(|(name, value)| name.contains('\n') || value.contains('\n'));
    let built = match refused {
        Some((name, _)) => Err(JsValue::from_str(&format!("the header {name:?} holds a line break"))),
        None => {
            let mut lines =
                String::with_capacity(headers.iter().map(|(name, value)| name.len() + value.len() + 2).sum());
            for (at, (name, value)) in headers.iter().enumerate() {
                if at > 0 {
                    lines.push('\n');
                }
                lines.push_str(name);
                lines.push('\n');
                lines.push_str(value);
            }
            let repeats = headers
                .iter()
                .enumerate()
                .any(|(at, (name, _))| headers[..at].iter().any(|(earlier, _)| earlier.eq_ignore_ascii_case(name)));
            response_of(response.status, &lines, repeats, &response.body)
        }
    };
    built.unwrap_or_else(|error| {
        // A header value the runtime refuses (only ours are set, so a bug): answer without them.
        crate::log::log_error(&format!("the response could not be built: {error:?}"));
        let init = web_sys::ResponseInit::new();
        init.set_status(500);
        web_sys::Response::new_with_opt_str_and_init(None, &init).expect("a bare 500 can always be built")
    })
}
