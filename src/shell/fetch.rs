use std::rc::Rc;
use std::time::Duration;

use futures::future::{select, Either};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{web_sys, Delay};

use super::js_error::error_text;
use super::waits::Waits;
use crate::platform::{FetchError, HttpClient, HttpGet, HttpPost, HttpReply};

/// `fetch` as the core's [`HttpClient`], with a timeout (an abort signal raced against a timer)
/// and a body cap. Written against the runtime's own types: `worker::Fetch` goes through
/// `worker::Request` and `RequestInit`, whose conversions (image resizing options, `cf`
/// properties) the worker never uses and which were ~2 KB of the wasm's gzip.
#[derive(Default)]
pub struct FetchAdapter {
    /// Where its waits are added up.
    pub waits: Rc<Waits>,
}

fn network(error: JsValue) -> FetchError {
    FetchError::Network(error_text(&error))
}

/// One request to `url`.
async fn send(
    url: &str,
    method: &str,
    headers: &[(&'static str, String)],
    body: Option<&str>,
    timeout_ms: u64,
    max_body_bytes: usize,
) -> Result<HttpReply, FetchError> {
    let outbound_headers = web_sys::Headers::new().map_err(network)?;
    for (name, value) in headers {
        outbound_headers.set(name, value).map_err(network)?;
    }
    let controller = web_sys::AbortController::new().map_err(network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&outbound_headers);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(&controller.signal()));
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let sent = JsFuture::from(global.fetch_with_str_and_init(url, &init));
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    let response: web_sys::Response = match select(sent, timer).await {
        Either::Left((response, _)) => response.map_err(network)?.unchecked_into(),
        Either::Right(_) => {
            controller.abort();
            return Err(FetchError::Timeout);
        }
    };
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let declared = header("content-length").and_then(|length| length.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_body_bytes) {
        return Err(FetchError::BodyTooLarge);
    }
    let retry_after_seconds = header("retry-after").and_then(|seconds| seconds.trim().parse::<u64>().ok());
    let bytes = JsFuture::from(response.array_buffer().map_err(network)?).await.map_err(network)?;
    let body = js_sys::Uint8Array::new(&bytes).to_vec();
    if body.len() > max_body_bytes {
        return Err(FetchError::BodyTooLarge);
    }
    Ok(HttpReply { status: response.status(), body, retry_after_seconds })
}

impl HttpClient for FetchAdapter {
    async fn get(&self, request: HttpGet<'_>) -> Result<HttpReply, FetchError> {
        let sent = send(request.url, "GET", &request.headers, None, request.timeout_ms, request.max_body_bytes);
        Waits::time(&self.waits.fetch, sent).await
    }

    async fn post(&self, request: HttpPost<'_>) -> Result<HttpReply, FetchError> {
        let mut headers = request.headers;
        headers.push(("content-type", "application/json".to_owned()));
        let sent = send(request.url, "POST", &headers, Some(&request.body), request.timeout_ms, request.max_body_bytes);
        Waits::time(&self.waits.fetch, sent).await
    }
}
