//! Edge auth and organisation API for SaaS apps whose identity provider is WorkOS AuthKit.
//!
//! Everything here but [`shell`] is a portable core on plain values: it compiles natively and is
//! tested with `cargo test` against real SQLite. The wasm shell adapts the Workers runtime
//! (request, D1, KV, fetch, clock) to the [`platform`] traits.

pub mod answered_keys;
pub mod app;
pub mod auth;
pub mod bounded_map;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod log;
pub mod pagination;
pub mod platform;
pub mod routes;
pub mod store;
pub mod token;
pub mod workos;

#[cfg(feature = "bench-routes")]
pub mod bench;
#[cfg(target_arch = "wasm32")]
pub mod shell;

/// The version reported by `GET /v1/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
