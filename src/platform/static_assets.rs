/// Files published with the worker rather than compiled into it (Workers static assets): the
/// OpenAPI document and the sign-in console. Kept out of the wasm bundle, whose size every cold
/// start pays.
#[allow(async_fn_in_trait)]
pub trait StaticAssets {
    /// The file at `path` (e.g. `/openapi.json`), if published; `Err` when it cannot be read.
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}
