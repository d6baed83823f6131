//! JS text into wasm memory: the shell's way of reading a long JS string as UTF-8 bytes.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// The runtime's own `TextEncoder`, whose `encodeInto` takes the JS string itself (web-sys's
    /// takes a Rust `&str`, the other way across).
    #[wasm_bindgen(js_name = TextEncoder)]
    type NativeTextEncoder;

    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> NativeTextEncoder;

    #[wasm_bindgen(method, js_class = "TextEncoder", js_name = encodeInto)]
    fn encode_into(this: &NativeTextEncoder, text: &JsString, destination: &Uint8Array) -> EncodeIntoResult;

    /// `{ read, written }`.
    type EncodeIntoResult;

    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: NativeTextEncoder = NativeTextEncoder::new();
}

/// A JS string's UTF-8 bytes in wasm memory, for a long text (a request's headers, D1's answer).
///
/// wasm-bindgen's own conversion (`String::from(JsString)`) copies a string into wasm memory with
/// a JS loop over its characters, one `charCodeAt` and one store each: counted with callgrind in
/// workerd, ~68,000 instructions of every org read, 1 % of its process's work, for the ~2.5 KB its
/// headers and D1's answer hold. The runtime's `TextEncoder` writes them natively, straight into
/// wasm memory: 0.98× the instructions of an org read and of a replay (`npm run bench -- --only
/// instructions` counts them). Not `encode`, which makes a new buffer to copy from: its allocation
/// and collection cost what the loop did (docs/performance.md, "Counted in instructions").
pub fn utf8_bytes(text: &JsString) -> Vec<u8> {
    // A UTF-16 code unit takes at most three bytes of UTF-8. The room is not zeroed first:
    // `encodeInto` writes what it reports, and zeroing three times the text (`vec![0; n]`, a
    // `memory.fill` the runtime runs as `memset`) was ~6k instructions of every org read.
    let mut bytes: Vec<u8> = Vec::with_capacity(text.length() as usize * 3);
    let written = ENCODER.with(|encoder| {
        // SAFETY: the view is of `bytes`' room, which nothing else touches until it is dropped,
        // and nothing can grow wasm memory (which would detach the view) while `encodeInto` runs.
        let view = unsafe { Uint8Array::view_mut_raw(bytes.as_mut_ptr(), bytes.capacity()) };
        encoder.encode_into(text, &view).written() as usize
    });
    // SAFETY: `encodeInto` wrote `written` bytes from the view's start, within its length.
    unsafe { bytes.set_len(written.min(bytes.capacity())) };
    bytes
}
