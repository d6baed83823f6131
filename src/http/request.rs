use crate::domain::Identity;
use crate::http::ErrorCode;
use serde::de::DeserializeOwned;

use std::rc::Rc;

use super::{request_id, ApiError};

/// Largest JSON body the API accepts; every request body we define is far smaller.
pub const MAX_JSON_BODY_BYTES: usize = 16 * 1024;

/// HTTP methods the API distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// Anything else.
    Other,
}

impl Method {
    /// Every method the API names (all but [`Method::Other`]).
    pub const NAMED: [Method; 7] =
        [Method::Get, Method::Head, Method::Post, Method::Patch, Method::Put, Method::Delete, Method::Options];

    /// Parses a method name (case-sensitive, as HTTP is): one of [`Method::NAMED`] by its
    /// [`Method::as_str`], else [`Method::Other`].
    pub fn parse(name: &str) -> Self {
        Method::NAMED.into_iter().find(|method| method.as_str() == name).unwrap_or(Method::Other)
    }

    /// The request headers a request of this method is read for: [`HEADERS_READ_WITHOUT_BODY`]
    /// for a GET or a HEAD, [`HEADERS_READ`] for the others.
    pub fn headers_read(self) -> &'static [&'static str] {
        match self {
            Method::Get | Method::Head => HEADERS_READ_WITHOUT_BODY,
            _ => HEADERS_READ,
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

/// The request headers the worker reads, by lowercase name: the shell brings only these into the
/// wasm (`src/shell/intake.js` asks the runtime for each by name), and [`ApiRequest::header`]
/// refuses any other name in debug builds, which every native test is. Iterating all of a
/// request's headers instead, for the dozen or more that Cloudflare and browsers add, cost the
/// runtime 50–100k instructions a request more than these lookups, 2–3 % of a replay
/// (docs/performance.md). A GET or a HEAD is read for fewer ([`Method::headers_read`]).
pub const HEADERS_READ: &[&str] = &[
    "authorization",
    "cookie",
    "origin",
    "referer",
    "access-control-request-method",
    "content-type",
    "content-length",
    "accept",
    "user-agent",
    "cf-connecting-ip",
    "cf-ray",
    "workos-signature",
];

/// What a GET or a HEAD is read for, of [`HEADERS_READ`]. Not its body's length or type: no
/// route of those methods reads a body. Not `referer`: the origin check it stands in for guards
/// the unsafe methods only (`origin_check`). Not `access-control-request-method`, which only a
/// CORS preflight (an OPTIONS) carries, nor `workos-signature` (webhooks are POSTs). Each
/// lookup costs the runtime ~2k instructions, 0.06 % of a read (docs/performance.md).
pub const HEADERS_READ_WITHOUT_BODY: &[&str] =
    &["authorization", "cookie", "origin", "accept", "user-agent", "cf-connecting-ip", "cf-ray"];

/// An incoming request, detached from the host's types.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path, percent-encoded as received, without the query.
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Headers with lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body; the shell refuses bodies over [`MAX_JSON_BODY_BYTES`] before reading them whole.
    pub body: Vec<u8>,
    /// Names the request in its answer and in every error it logs ([`request_id`]).
    pub request_id: Rc<str>,
    /// `scheme://host[:port]` the request was sent to: where this worker is.
    pub origin: String,
    /// Set only by the MCP endpoint on the API requests its tools make: the verified MCP token
    /// they act with. Nothing a client sends can set it.
    pub mcp_identity: Option<Rc<Identity>>,
}

impl ApiRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            request_id: request_id(None),
            origin: "https://edge.test".to_owned(),
            mcp_identity: None,
        }
    }

    /// The path and query of an absolute URL as a Worker receives it
    /// (`https://host/v1/orgs?limit=5#x` → `/v1/orgs`, `limit=5`). Parsing only what we need
    /// keeps a general URL parser out of the wasm bundle.
    pub fn split_url(url: &str) -> (&str, &str) {
        let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
        let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let without_fragment = path_and_query.split('#').next().unwrap_or("/");
        without_fragment.split_once('?').unwrap_or((without_fragment, ""))
    }

    /// Adds a header (builder style, for tests and the shell).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Sets a JSON body (builder style).
    pub fn with_json(mut self, body: &serde_json::Value) -> Self {
        self.body = serde_json::to_vec(body).expect("a JSON value serialises");
        self.with_header("content-type", "application/json")
    }

    /// The first value of a header, by lowercase name, which must be one of those the request's
    /// method is read for ([`Method::headers_read`]): the shell brings no other header into the
    /// wasm.
    pub fn header(&self, name: &str) -> Option<&str> {
        debug_assert!(
            self.method.headers_read().contains(&name),
            "{name} is not among the headers a {} is read for",
            self.method.as_str()
        );
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A query parameter's value, percent-decoded; `Err` when it is not valid UTF-8 or the
    /// parameter is given more than once: which of two `return_to`s or `limit`s counts differs
    /// from one parser to the next (a proxy's, a log's, ours), so neither does. Parameters the
    /// route does not read are ignored, as a link's `utm_source` should be.
    pub fn query_param(&self, name: &str) -> Result<Option<String>, ApiError> {
        let mut found = None;
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if key != name {
                continue;
            }
            if found.is_some() {
                return Err(ApiError::new(ErrorCode::InvalidQuery, &format!("send {name} once")));
            }
            let value = percent_decode(value)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "query is not valid UTF-8"))?;
            found = Some(value);
        }
        Ok(found)
    }

    /// Parses the body into `T`. Every body the API defines is a JSON object, and only an object
    /// is taken: serde's derived `Deserialize` for a struct also reads a JSON array of its fields
    /// in order (`["Acme", "acme"]` as `{name, slug}`), which no schema in the OpenAPI document
    /// allows. (Checked at the top level: no body has a struct inside it.) Unknown fields, wrong
    /// types, malformed or oversized JSON are client errors too.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let text = self.json_text()?;
        if text.trim_ascii_start().first() != Some(&b'{') {
            return Err(ApiError::new(ErrorCode::InvalidBody, "request body: send a JSON object"));
        }
        parse_json(text)
    }

    /// Parses the body as any JSON value, arrays included: for MCP, whose JSON-RPC answers a batch
    /// (an array) differently from a body that is not JSON.
    pub fn json_value(&self) -> Result<serde_json::Value, ApiError> {
        parse_json(self.json_text()?)
    }

    /// The body, once its size and content type are those of a JSON body.
    fn json_text(&self) -> Result<&[u8], ApiError> {
        if self.body.len() > MAX_JSON_BODY_BYTES {
            return Err(ApiError::payload_too_large());
        }
        // The media type, without parameters such as `charset`: exactly JSON's, not one that
        // merely begins like it (`application/jsonp`).
        let media_type = self.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
        }
        Ok(&self.body)
    }
}

fn parse_json<T: DeserializeOwned>(text: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(text)
        .map_err(|error| ApiError::new(ErrorCode::InvalidBody, &format!("request body: {error}")))
}

/// For an optional body field that may be left out but not sent as `null`
/// (`#[serde(default, deserialize_with = "not_null")]`): `null` is then a 400 `invalid_body` like
/// any other wrong type, as the OpenAPI document says, rather than meaning "left out".
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` as space; `None` when the result is not UTF-8 or an escape is bad.
pub fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Method names are case-sensitive: `get` is not a GET, and neither is a name the API does
    /// not know, nor `OTHER`, which is only how an unknown one is named.
    #[test]
    fn a_method_is_parsed_by_its_exact_name() {
        for method in Method::NAMED {
            assert_eq!(Method::parse(method.as_str()), method);
        }
        for name in ["get", "Post", "PROPFIND", "OTHER", ""] {
            assert_eq!(Method::parse(name), Method::Other, "{name:?}");
        }
    }

    /// A GET or a HEAD is read for fewer headers than the other methods, never for one the others
    /// are not read for; a route of those methods asking for another is a bug the native tests
    /// catch, since the shell would never have brought it in.
    #[test]
    fn a_get_or_a_head_is_read_for_fewer_headers_and_asking_for_another_is_refused() {
        for method in Method::NAMED {
            assert!(method.headers_read().iter().all(|name| HEADERS_READ.contains(name)), "{method:?}");
        }
        for method in [Method::Get, Method::Head] {
            assert!(method.headers_read().len() < HEADERS_READ.len());
            for body_header in ["content-type", "content-length", "workos-signature"] {
                assert!(!method.headers_read().contains(&body_header), "{method:?} {body_header}");
            }
        }
        assert_eq!(Method::Other.headers_read(), HEADERS_READ);
        let post = ApiRequest::new(Method::Post, "/v1/orgs").with_header("content-type", "application/json");
        assert_eq!(post.header("content-type"), Some("application/json"));
        let get = ApiRequest { method: Method::Get, ..post };
        let asked = std::panic::catch_unwind(|| get.header("content-type").map(str::to_owned));
        assert_eq!(asked.is_err(), cfg!(debug_assertions), "refused in debug builds, as the tests are");
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let request = ApiRequest::new(Method::Get, "/v1/orgs?limit=5&cursor=a%2Db");
        assert_eq!(request.query_param("cursor").unwrap().as_deref(), Some("a-b"));
        assert_eq!(request.query_param("limit").unwrap().as_deref(), Some("5"));
        assert_eq!(request.query_param("missing").unwrap(), None);
    }

    #[test]
    fn a_query_parameter_given_twice_is_refused_whichever_way_it_is_spelled() {
        for (url, name) in [
            ("/v1/auth/login?return_to=/a&return_to=//evil.example", "return_to"),
            ("/v1/orgs?limit=1&x=2&limit=50", "limit"),
            ("/?a&a=", "a"),
        ] {
            let error = ApiRequest::new(Method::Get, url).query_param(name).unwrap_err();
            assert_eq!((error.status, error.code), (400, ErrorCode::InvalidQuery), "{url}");
        }
        // Other parameters are no business of the one asked for.
        assert_eq!(
            ApiRequest::new(Method::Get, "/?x=1&x=2&limit=5").query_param("limit").unwrap().as_deref(),
            Some("5")
        );
    }

    #[test]
    fn urls_split_into_path_and_query() {
        assert_eq!(ApiRequest::split_url("https://h.example/v1/orgs?limit=5#x"), ("/v1/orgs", "limit=5"));
        assert_eq!(ApiRequest::split_url("http://127.0.0.1:8787/v1/health"), ("/v1/health", ""));
        assert_eq!(ApiRequest::split_url("https://h.example"), ("/", ""));
        assert_eq!(ApiRequest::split_url("https://h.example?x=1"), ("/", ""));
    }

    #[test]
    fn a_body_without_json_content_type_is_refused() {
        let mut request = ApiRequest::new(Method::Post, "/v1/orgs");
        request.body = b"{}".to_vec();
        let error = request.json::<serde_json::Value>().unwrap_err();
        assert_eq!(error.status, 415);
        for (content_type, status) in [("Application/JSON ; charset=UTF-8", None), ("application/jsonp", Some(415))] {
            let request = request.clone().with_header("content-type", content_type);
            assert_eq!(request.json::<serde_json::Value>().err().map(|e| e.status), status, "{content_type}");
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct NameAndSlug {
        name: String,
        slug: String,
    }

    fn json_request(body: &str) -> ApiRequest {
        let mut request = ApiRequest::new(Method::Post, "/v1/orgs").with_header("content-type", "application/json");
        request.body = body.as_bytes().to_vec();
        request
    }

    #[test]
    fn a_body_is_read_only_from_a_json_object_never_from_its_fields_in_order() {
        assert!(json_request(" \n{\"name\": \"Acme\", \"slug\": \"acme\"}").json::<NameAndSlug>().is_ok());
        for body in [r#"["Acme", "acme"]"#, " [\"Acme\", \"acme\"]", "[]", "null", "\"Acme\"", "5"] {
            let error = json_request(body).json::<NameAndSlug>().unwrap_err();
            assert_eq!((error.status, error.code), (400, ErrorCode::InvalidBody), "{body}");
        }
        // MCP reads any JSON value, so that it can answer a batch as JSON-RPC asks.
        assert!(json_request("[1, 2]").json_value().unwrap().is_array());
        assert_eq!(json_request("[1,").json_value().unwrap_err().code, ErrorCode::InvalidBody);
    }
}
