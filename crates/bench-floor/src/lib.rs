//! One D1 primary-key read per request, answered as JSON: the Rust floor of the peer benchmark
//! (and, at `/batch13`, the same read thirteen times in one batch, as the JS floor answers it).
//!
//! Built as the worker is built (worker-build, with the worker's own entry module,
//! `src/shell/entry.js`) and written as its shell is: a `#[wasm_bindgen]` `fetch` on the
//! runtime's own types, one promise per request. `#[event(fetch)]` with `worker::D1` (what this
//! floor was at first) costs workerd 0.2–0.5 ms more CPU per request on this machine, all of it
//! glue: a floor built that way measured the glue, not what a Rust worker has to pay.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use worker::web_sys;
use worker::worker_sys::D1Database;

/// The floors' one statement: a primary-key read.
const READ: &str = "SELECT id, name FROM items WHERE id = ?1";

#[wasm_bindgen]
pub fn fetch(request: web_sys::Request, env: JsValue, _context: JsValue) -> Promise {
    // /batch13: the same read thirteen times in one batch, as the JS floor answers it. Both
    // floors answer it so that, in the sequential bench, each floor's process serves the same
    // loads a round (a process loaded more often costs less per request; docs/performance.md).
    let batch13 = request.url().ends_with("/batch13");
    future_to_promise(async move {
        let db: D1Database = js_sys::Reflect::get(&env, &"DB".into())?.unchecked_into();
        let read = || db.prepare(READ)?.bind(Array::of1(&"item_1".into()));
        let row = if batch13 {
            let statements = Array::new();
            for _ in 0..13 {
                statements.push(&read()?.into());
            }
            let results = JsFuture::from(db.batch(statements)?).await?;
            let first_rows = js_sys::Reflect::get(&Array::from(&results).get(0), &"results".into())?;
            Array::from(&first_rows).get(0)
        } else {
            JsFuture::from(read()?.first(None)?).await?
        };
        let body: String = js_sys::JSON::stringify(&row)?.into();
        let init = web_sys::ResponseInit::new();
        let headers = web_sys::Headers::new()?;
        headers.set("content-type", "application/json")?;
        init.set_headers(&headers);
        Ok(web_sys::Response::new_with_opt_str_and_init(Some(&body), &init)?.into())
    })
}
