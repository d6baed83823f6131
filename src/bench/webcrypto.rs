//! A reference point for `npm run bench`, in benchmark builds only: the same RS256 verification
//! through the runtime's WebCrypto (BoringSSL, native code). Timed in the same run as our own
//! verifier, it turns figures from a noisy machine into a ratio that does not depend on how busy
//! the machine was.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{repetitions, signing_input_and_signature};
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::token::bearer_token;

/// The reference, `POST /v1/__bench/webcrypto?n=N&key_n=…&key_e=…` with the token as bearer:
/// verifies the token's signature `n` times with `crypto.subtle.verify`.
///
/// With `&await_only=1` the loop instead awaits `Promise.resolve(true)` `n` times, through the
/// same calls: the loop's own cost per verification, which the benchmark takes off the reference
/// so that the ratio to it errs against our verifier rather than for it.
pub async fn handle(request: &ApiRequest) -> ApiResponse {
    run(request).await.unwrap_or_else(ApiError::into_response)
}

async fn run(request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let repetitions = repetitions(request)?;
    let token = bearer_token(request)?;
    let (signing_input, signature) = signing_input_and_signature(token)?;
    let key_n = request.query_param("key_n")?.unwrap_or_default();
    let key_e = request.query_param("key_e")?.unwrap_or_default();

    let failed = |_| ApiError::new(ErrorCode::InvalidQuery, "WebCrypto refused the key or the call");
    let subtle = Reflect::get(&js_sys::global(), &"crypto".into())
        .and_then(|crypto| Reflect::get(&crypto, &"subtle".into()))
        .map_err(failed)?;
    let algorithm = object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())]).map_err(failed)?;
    let jwk = object(&[
        ("kty", "RSA".into()),
        ("n", key_n.as_str().into()),
        ("e", key_e.as_str().into()),
        ("alg", "RS256".into()),
    ])
    .map_err(failed)?;
    let usages = Array::of1(&"verify".into());
    let import_key = method(&subtle, "importKey").map_err(failed)?;
    let key =
        call(&import_key, &subtle, &["jwk".into(), jwk.into(), algorithm.clone().into(), false.into(), usages.into()])
            .await
            .map_err(failed)?;

    let await_only = request.query_param("await_only")?.as_deref() == Some("1");
    // What each repetition calls: `crypto.subtle.verify`, or `Promise.resolve` for the loop alone.
    let (repeated, this) = if await_only {
        let promise = Reflect::get(&js_sys::global(), &"Promise".into()).map_err(failed)?;
        (method(&promise, "resolve").map_err(failed)?, promise)
    } else {
        (method(&subtle, "verify").map_err(failed)?, subtle)
    };
    let signature = Uint8Array::from(signature.as_slice());
    let data = Uint8Array::from(signing_input.as_bytes());
    for _ in 0..repetitions {
        let arguments: [JsValue; 4] =
            [algorithm.clone().into(), key.clone(), signature.clone().into(), data.clone().into()];
        let valid = if await_only {
            // `Promise.resolve` reads only its first argument. The verification's arguments still
            // go along, so that the loop does all the work around the call that the real one does.
            let [algorithm, key, signature, data] = arguments;
            call(&repeated, &this, &[JsValue::TRUE, algorithm, key, signature, data]).await
        } else {
            call(&repeated, &this, &arguments).await
        }
        .map_err(failed)?;
        if valid != JsValue::TRUE {
            return Err(ApiError::new(ErrorCode::TokenSignatureInvalid, "the token does not verify with this key"));
        }
    }
    let mode = if await_only { "webcrypto_await_only" } else { "webcrypto" };
    Ok(ApiResponse::json(200, &json!({ "mode": mode, "n": repetitions })))
}

fn object(fields: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &(*name).into(), value)?;
    }
    Ok(object)
}

fn method(target: &JsValue, name: &str) -> Result<Function, JsValue> {
    Reflect::get(target, &name.into())?.dyn_into::<Function>()
}

async fn call(function: &Function, this: &JsValue, arguments: &[JsValue]) -> Result<JsValue, JsValue> {
    let promise: Promise = function.apply(this, &arguments.iter().collect::<Array>())?.dyn_into()?;
    JsFuture::from(promise).await
}
