use wasm_bindgen::{JsCast, JsValue};

/// A thrown value's text: an `Error`'s message and, when it has one (D1's do), its cause's
/// (the SQLite message the core classifies, e.g. `UNIQUE constraint failed: …`).
pub fn error_text(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => {
            let message = String::from(error.message());
            match error.cause().dyn_ref::<js_sys::Error>() {
                Some(cause) => format!("{message}: {}", String::from(cause.message())),
                None => message,
            }
        }
        None => error.as_string().unwrap_or_else(|| format!("{error:?}")),
    }
}
