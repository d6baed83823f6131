//! The core's own work on the two read paths the peer benchmark measures, with every function
//! named: in workerd, V8 names little of the wasm's optimised code (docs/performance.md), so
//! these run the same routes natively, on real SQLite, for callgrind to take apart. Ignored by
//! `cargo test`; run under callgrind, counting only the loop:
//!
//! ```text
//! CARGO_TARGET_DIR=target/core-profile cargo test --release --test api --no-run
//! PROFILE_REQUESTS=1000 valgrind --tool=callgrind --collect-atstart=no \
//!   '--toggle-collect=*core_profile::counted*' target/core-profile/release/deps/api-<hash> \
//!   core_profile::org_read --exact --ignored --test-threads=1
//! callgrind_annotate --inclusive=yes callgrind.out.<pid>
//! ```
//!
//! (A target directory of its own: in `target/`, where the benches build the stand-in for
//! release, the linking of a release test build failed twice with undefined symbols.)
//!
//! Native code is not the wasm's (and SQLite here stands in for D1), so the figures say where
//! the core's work goes and what a change to it saves, not what a request costs in workerd.

use crate::helpers::*;

/// Requests per profile: `PROFILE_REQUESTS`, or a few when run as a plain test.
fn requests() -> usize {
    std::env::var("PROFILE_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(10)
}

/// Sends `request` `n` times, the only frames callgrind counts; every answer must be `status`.
#[inline(never)]
fn counted(n: usize, status: u16, request: impl Fn() -> u16) {
    for _ in 0..n {
        assert_eq!(request(), status);
    }
}

/// `GET /v1/orgs/{id}` with a bearer token this isolate has verified before.
#[test]
#[ignore = "a profile: run under callgrind (see the module's comment)"]
fn org_read() {
    let app = spawn_app();
    let user = app.sign_in("user_01PROFILE", "profile@example.com");
    let path = format!("/v1/orgs/{}", user.personal_id);
    assert_eq!(app.get(&path, Some(&user.token)).status, 200);
    counted(requests(), 200, || app.get(&path, Some(&user.token)).status);
}

/// The web callback again with the token of a first sign-in: the stored answer, unsealed.
#[test]
#[ignore = "a profile: run under callgrind (see the module's comment)"]
fn replay() {
    let app = spawn_app();
    let token = app.sign_in_token("user_01PROFILE", "profile@example.com");
    assert_eq!(app.callback(&token).status, 201);
    counted(requests(), 201, || app.callback(&token).status);
}
