use std::cell::Cell;
use std::rc::Rc;

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Env};

use super::js_error::error_text;
use super::js_text::utf8_bytes;
use super::waits::Waits;
use crate::platform::{Database, DatabaseError, Row, SqlValue, Statement};

/// D1 as the core's [`Database`]. Every call is one `batch()`: one round trip, atomic.
pub struct D1Adapter {
    database: worker_sys::D1Database,
    round_trips: Cell<usize>,
    waits: Rc<Waits>,
}

impl D1Adapter {
    /// The D1 binding `name` of `env` (see [`super::binding`]); its waits are added to `waits`.
    pub fn new(env: &Env, name: &str, waits: Rc<Waits>) -> Result<Self, DatabaseError> {
        let binding =
            super::binding(env, name).ok_or_else(|| DatabaseError::new(format!("no D1 binding named {name}")))?;
        Ok(Self { database: binding.unchecked_into(), round_trips: Cell::new(0), waits })
    }

    /// Round trips made so far through this adapter (one request's worth).
    pub fn round_trips(&self) -> usize {
        self.round_trips.get()
    }

    /// The statements prepared and bound, as `batch()` takes them.
    pub(super) fn prepare(&self, statements: &[Statement]) -> Result<Array, DatabaseError> {
        let prepared = Array::new();
        for statement in statements {
            let params: Array = statement.params.iter().map(to_js_value).collect();
            let bound = self
                .database
                .prepare(statement.sql)
                .and_then(|unbound| unbound.bind(params))
                .map_err(|error| DatabaseError::new(error_text(&error)))?;
            prepared.push(&bound);
        }
        Ok(prepared)
    }

    /// Sends prepared statements as one batch; D1's answer as it comes.
    #[cfg(feature = "bench-routes")]
    pub(super) async fn send(&self, prepared: Array) -> Result<JsValue, JsValue> {
        JsFuture::from(self.database.batch(prepared)?).await
    }
}

/// A bound parameter as D1 wants it.
pub fn to_js_value(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        // Our integers are ids of time (ms) and small counts: exact in an f64.
        SqlValue::Integer(number) => JsValue::from_f64(*number as f64),
        SqlValue::Text(text) => JsValue::from_str(text),
    }
}

/// One statement's part of a batch's answer, as D1 gives it (`meta` is not read).
#[derive(Deserialize)]
struct StatementResult {
    #[serde(default)]
    results: Vec<Row>,
    #[serde(default)]
    error: Option<String>,
}

/// The whole batch's answer as Rust values. D1 answers with JS objects; reading them field by
/// field (as `worker`'s `D1Result::results` does, through serde-wasm-bindgen) is a crossing of
/// the wasm boundary for every key and value of every row. `JSON.stringify` turns all of it into
/// one string in one crossing, and serde_json reads that. D1's values are null, numbers
/// (integers exact up to 2^53, which ours stay under) and text, all of which JSON keeps.
pub fn decode_batch(results: &JsValue) -> Result<Vec<Vec<Row>>, DatabaseError> {
    let text = js_sys::JSON::stringify(results)
        .map_err(|error| DatabaseError::new(format!("D1's answer could not be read: {}", error_text(&error))))?;
    let results: Vec<StatementResult> = serde_json::from_slice(&utf8_bytes(&text))
        .map_err(|error| DatabaseError::new(format!("D1's answer: {error}")))?;
    results
        .into_iter()
        .map(|result| match result.error {
            Some(error) => Err(DatabaseError::from_driver(error)),
            None => Ok(result.results),
        })
        .collect()
}

impl Database for D1Adapter {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError> {
        let prepared = self.prepare(&statements)?;
        self.round_trips.set(self.round_trips.get() + 1);
        let driver_error = |error: JsValue| DatabaseError::from_driver(error_text(&error));
        let answer = self.database.batch(prepared).map_err(driver_error)?;
        let results = Waits::time(&self.waits.d1, JsFuture::from(answer)).await.map_err(driver_error)?;
        decode_batch(&results)
    }
}
