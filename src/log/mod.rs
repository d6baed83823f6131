//! Server-side error logs, each naming the request it happened in.

mod request_scope;

pub use request_scope::{current_request_id, with_request_id};

/// Logs a server-side failure (to the Workers console or stderr), prefixed with the current
/// request's id.
pub fn log_error(message: &str) {
    let line = match current_request_id() {
        Some(id) => format!("request {id}: {message}"),
        None => message.to_owned(),
    };
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    {
        eprintln!("error: {line}");
        CAPTURED.with(|captured| {
            if let Some(lines) = captured.borrow_mut().as_mut() {
                lines.push(line);
            }
        });
    }
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static CAPTURED: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// Native tests: runs `f` and returns what it logged on this thread.
#[cfg(not(target_arch = "wasm32"))]
pub fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    CAPTURED.with(|captured| captured.replace(Some(Vec::new())));
    let result = f();
    let lines = CAPTURED.with(|captured| captured.take()).unwrap_or_default();
    (result, lines)
}
