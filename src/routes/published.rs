//! Files the worker serves as they are, compiled into it: the OpenAPI document (`public/openapi.json`,
//! minified by `build.rs`) and the sign-in console (`public/console/`).
//!
//! Compiled in rather than published as Workers static assets: a worker with an `[assets]`
//! binding is reached through Cloudflare's asset router on every request, an extra hop that
//! cost each API request ~0.6 ms under `wrangler dev` (docs/performance.md) for three files
//! that are ~13 KB of gzip.

/// The bytes of the published file at `path` (e.g. `/openapi.json`), if it is one.
pub fn published(path: &str) -> Option<&'static [u8]> {
    match path {
        "/openapi.json" => Some(include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json"))),
        "/console/index.html" => Some(include_bytes!("../../public/console/index.html")),
        "/console/console.js" => Some(include_bytes!("../../public/console/console.js")),
        _ => None,
    }
}
