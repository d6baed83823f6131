use std::time::Duration;

use futures::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::platform::{FetchError, HttpClient, HttpGet, HttpReply};

/// `fetch` as the core's [`HttpClient`], with a timeout (an abort signal raced against a timer)
/// and a body cap.
pub struct FetchAdapter;

impl HttpClient for FetchAdapter {
    async fn get(&self, request: HttpGet<'_>) -> Result<HttpReply, FetchError> {
        let network = |e: worker::Error| FetchError::Network(e.to_string());
        let headers = Headers::new();
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(network)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let outbound = Request::new_with_init(request.url, &init).map_err(network)?;

        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(outbound);
        let send = Box::pin(fetch.send_with_signal(&signal));
        let timer = Box::pin(Delay::from(Duration::from_millis(request.timeout_ms)));
        let mut response = match select(send, timer).await {
            Either::Left((response, _)) => response.map_err(network)?,
            Either::Right(_) => {
                controller.abort();
                return Err(FetchError::Timeout);
            }
        };
        let declared =
            response.headers().get("content-length").ok().flatten().and_then(|length| length.parse::<usize>().ok());
        if declared.is_some_and(|length| length > request.max_body_bytes) {
            return Err(FetchError::BodyTooLarge);
        }
        let body = response.bytes().await.map_err(network)?;
        if body.len() > request.max_body_bytes {
            return Err(FetchError::BodyTooLarge);
        }
        Ok(HttpReply { status: response.status_code(), body })
    }
}
