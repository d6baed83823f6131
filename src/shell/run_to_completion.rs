//! A request's work, kept alive past its client. The runtime cancels a fetch handler whose
//! client disconnects; work registered with the event's `waitUntil` runs to its end. A cookie
//! request can be refreshing a session's token: cancelled between WorkOS's answer and the D1
//! write, the rotated refresh token would be lost and the old one is already spent.

use std::future::Future;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;
use worker::worker_sys::Context;

/// Starts `work` and answers with its promise, which is also registered with `context`'s
/// `waitUntil`: the runtime abandoning the answer (its client gone) leaves `work` running.
///
/// One promise serves both, so a request is one task on wasm-bindgen's executor: no second
/// task for `waitUntil` and no channel between the two (each costs a wake and a microtask).
pub fn run_to_completion(
    context: &Context,
    work: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    let answer = future_to_promise(work);
    // `waitUntil` throws only outside a request's context; the answer stands either way.
    let _ = context.wait_until(&answer);
    answer
}
