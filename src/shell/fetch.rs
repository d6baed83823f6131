use std::time::Duration;

use futures::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::platform::{FetchError, HttpClient, HttpGet, HttpPost, HttpReply};

/// `fetch` as the core's [`HttpClient`], with a timeout (an abort signal raced against a timer)
/// and a body cap.
pub struct FetchAdapter;

fn network(error: worker::Error) -> FetchError {
    FetchError::Network(error.to_string())
}

/// One request: `init` already carries the method and body.
async fn send(
    url: &str,
    headers: &[(&'static str, String)],
    mut init: RequestInit,
    timeout_ms: u64,
    max_body_bytes: usize,
) -> Result<HttpReply, FetchError> {
    let outbound_headers = Headers::new();
    for (name, value) in headers {
        outbound_headers.set(name, value).map_err(network)?;
    }
    init.with_headers(outbound_headers);
    let outbound = Request::new_with_init(url, &init).map_err(network)?;

    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(outbound);
    let sent = Box::pin(fetch.send_with_signal(&signal));
    let timer = Box::pin(Delay::from(Duration::from_millis(timeout_ms)));
    let mut response = match select(sent, timer).await {
        Either::Left((response, _)) => response.map_err(network)?,
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
    let body = response.bytes().await.map_err(network)?;
    if body.len() > max_body_bytes {
        return Err(FetchError::BodyTooLarge);
    }
    Ok(HttpReply { status: response.status_code(), body, retry_after_seconds })
}

impl HttpClient for FetchAdapter {
    async fn get(&self, request: HttpGet<'_>) -> Result<HttpReply, FetchError> {
        let mut init = RequestInit::new();
        init.with_method(Method::Get);
        send(request.url, &request.headers, init, request.timeout_ms, request.max_body_bytes).await
    }

    async fn post(&self, request: HttpPost<'_>) -> Result<HttpReply, FetchError> {
        let mut headers = request.headers;
        headers.push(("content-type", "application/json".to_owned()));
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(request.body.into()));
        send(request.url, &headers, init, request.timeout_ms, request.max_body_bytes).await
    }
}
