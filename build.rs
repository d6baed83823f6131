//! Minifies the OpenAPI document (`public/openapi.json`, kept readable in the repository) into
//! `OUT_DIR` for the worker to compile in: its whitespace was ~1.4 KB of the wasm's gzip.

use std::{env, fs, path::Path};

fn main() {
    let source = "public/openapi.json";
    println!("cargo:rerun-if-changed={source}");
    let pretty = fs::read_to_string(source).expect("public/openapi.json is readable");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.json");
    fs::write(out, minify_json(&pretty)).expect("OUT_DIR is writable");
}

/// JSON without the whitespace between its tokens (whitespace inside strings is kept).
fn minify_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}
