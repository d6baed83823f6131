//! The patched serde_core in `vendor/` is the one built (vendor/README.md): serde names an
//! unexpected float without printing it, which keeps core's float printing out of the wasm.

use serde::de::Unexpected;

#[test]
fn serde_names_an_unexpected_float_without_printing_it() {
    assert_eq!(Unexpected::Float(1.5).to_string(), "floating point");
}
