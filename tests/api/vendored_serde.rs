//! The patched serde_core in `vendor/` is the one built (vendor/README.md): serde names an
//! unexpected float without printing it, which keeps core's float printing out of the wasm.

use serde::de::Unexpected;

#[test]
fn serde_names_an_unexpected_float_without_printing_it() {
    assert_eq!(Unexpected::Float(1.5).to_string(), "floating point");
}

/// What a client reads is unchanged: serde_json, the worker's JSON reader, prints the float
/// itself.
#[test]
fn a_body_with_an_unexpected_float_is_still_told_its_value() {
    let error = serde_json::from_slice::<String>(b"1.5").unwrap_err();
    assert!(error.to_string().starts_with("invalid type: floating point `1.5`, expected a string"), "{error}");
}
