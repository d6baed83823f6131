//! One D1 primary-key read per request, answered as JSON: the Rust floor of the peer benchmark.
#![cfg(target_arch = "wasm32")]

use worker::{event, web_sys, Context, Env, Response, Result};

// The runtime's request as it is: `worker::Request` would read (and so decode) `request.cf`,
// a cost the worker does not pay either; the floor is the least a Rust worker can do.
#[event(fetch)]
async fn fetch(_request: web_sys::Request, env: Env, _context: Context) -> Result<Response> {
    let row: Option<serde_json::Value> =
        env.d1("DB")?.prepare("SELECT id, name FROM items WHERE id = ?1").bind(&["item_1".into()])?.first(None).await?;
    Response::from_json(&row)
}
