//! Benchmark builds only: the shell's own steps of a request, each repeated `n` times inside one
//! request, `POST /v1/__bench/shell/{step}?n=N`. Timed from outside as the core's bench routes
//! are (the same request with n and n + N repetitions; see `crate::bench`): together with
//! `/v1/__bench/route` (a route's own work, D1 answered from memory) they take the worker's part
//! of a request apart, step by step, in the runtime that runs it.

use std::hint::black_box;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::{web_sys, Context, Env};

use super::d1::{decode_batch, D1Adapter};
use super::run_to_completion;
use super::{platform, request};
use crate::domain::WorkspaceRef;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::store::users::select_user_with_access;

/// Where the shell's step benchmarks live.
pub const ROUTE_PREFIX: &str = "/v1/__bench/shell/";

/// Runs `step` `n` times (the `n` query parameter) and answers `{step, n}`; an unknown step runs
/// nothing. The D1 steps use an org read's statement.
pub async fn answer(step: &str, request: web_sys::Request, env: Env, context: Rc<Context>) -> web_sys::Response {
    let url = request.url();
    let (path, query) = ApiRequest::split_url(&url);
    let n = crate::bench::repetitions(&ApiRequest::new(Method::Post, &format!("{path}?{query}"))).unwrap_or(0);
    let Ok(platform) = platform(&env, Some(context.clone())) else {
        return request::into_worker_response(ApiResponse::json(500, &serde_json::json!({ "error": "no D1" })));
    };
    let statement = || select_user_with_access("user_bench", &WorkspaceRef::parse("org_01HBENCH00000000000000000"));
    match step {
        // The request's method, URL and headers, read whole (`request::head_of`).
        "headers" => (0..n).for_each(|_| drop(black_box(request::head_of(&request)))),
        // Its URL and method, read one by one (as the shell did before `head_of`).
        "url" => (0..n).for_each(|_| {
            let url = request.url();
            black_box((ApiRequest::split_url(&url), Method::parse(&request.method())));
        }),
        // The platform: the bindings looked up, the adapters made.
        "platform" => (0..n).for_each(|_| drop(black_box(super::platform(&env, Some(context.clone()))))),
        // The statement made and written as the text `batchText` prepares and binds.
        "prepare" => (0..n).for_each(|_| drop(black_box(D1Adapter::statements_text(&[statement()])))),
        // D1's answer to it, as `batchText` writes it, read into rows (one row).
        "decode" => {
            let answer = platform.db.send(D1Adapter::statements_text(&[statement()])).await.expect("D1 answers");
            (0..n).for_each(|_| drop(black_box(decode_batch(&answer))));
        }
        // One await of a settled JavaScript promise: what each binding call costs on top of its I/O.
        "await" => {
            for _ in 0..n {
                let _ = JsFuture::from(Promise::resolve(&JsValue::NULL)).await;
            }
        }
        // A workspace's answer made into the runtime's response.
        "response" => (0..n).for_each(|_| {
            let mut response = ApiResponse::json(
                200,
                &serde_json::json!({"workspace": {"id": "org_01HBENCH", "name": "A workspace", "slug": "a-workspace", "personal": true, "created_at": "2026-11-30T12:00:00Z", "updated_at": "2026-11-30T12:00:00Z"}, "role": "owner"}),
            );
            response.headers.push(("vary".into(), "Origin".into()));
            response.headers.push(("x-request-id".into(), "req_0123456789abcdef".into()));
            drop(black_box(request::into_worker_response(response)));
        }),
        // The request's task started and kept alive (`run_to_completion`), here on a ready future.
        "task" => (0..n).for_each(|_| {
            drop(black_box(run_to_completion((*context).as_ref(), async { Ok(JsValue::NULL) })));
        }),
        _ => {}
    }
    request::into_worker_response(ApiResponse::json(200, &serde_json::json!({ "step": step, "n": n })))
}
