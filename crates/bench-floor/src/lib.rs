//! One D1 primary-key read per request, answered as JSON: the Rust floor of the peer benchmark.
#![cfg(target_arch = "wasm32")]

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(_request: Request, env: Env, _context: Context) -> Result<Response> {
    let row: Option<serde_json::Value> =
        env.d1("DB")?.prepare("SELECT id, name FROM items WHERE id = ?1").bind(&["item_1".into()])?.first(None).await?;
    Response::from_json(&row)
}
