use std::cell::Cell;
use std::rc::Rc;

use js_sys::JsString;
use serde::ser::{Serialize, SerializeSeq, Serializer};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Env};

use super::js_error::error_text;
use super::js_text::utf8_bytes;
use super::waits::Waits;
use crate::platform::{rows_from_text, Database, DatabaseError, Row, SqlValue, Statement};

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

    /// The statements as `batchText` takes them: `[[sql, param, …], …]`.
    pub(super) fn statements_text(statements: &[Statement]) -> String {
        serde_json::to_string(&StatementsText(statements)).expect("SQL and its parameters are always JSON")
    }

    /// Sends statements (as [`Self::statements_text`] writes them) as one batch; D1's answer as
    /// `batchText` writes it.
    pub(super) async fn send(&self, statements_text: &str) -> Result<JsString, JsValue> {
        let answer = Waits::time(&self.waits.d1, JsFuture::from(batch_text(&self.database, statements_text))).await?;
        Ok(answer.unchecked_into())
    }
}

#[wasm_bindgen(module = "/src/shell/d1_batch.js")]
extern "C" {
    /// Prepares, binds and sends the statements as one batch; resolves to each statement's rows
    /// as one JSON text (see d1_batch.js).
    #[wasm_bindgen(js_name = batchText)]
    fn batch_text(database: &worker_sys::D1Database, statements_text: &str) -> js_sys::Promise;
}

/// Statements as the JSON `batchText` reads.
struct StatementsText<'a>(&'a [Statement]);

impl Serialize for StatementsText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(StatementText))
    }
}

/// One statement: its SQL, then its parameters.
struct StatementText<'a>(&'a Statement);

impl Serialize for StatementText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(Some(1 + self.0.params.len()))?;
        sequence.serialize_element(self.0.sql)?;
        for param in &self.0.params {
            match param {
                SqlValue::Null => sequence.serialize_element(&())?,
                // Our integers are ids of time (ms) and small counts: exact in JS's f64.
                SqlValue::Integer(number) => sequence.serialize_element(number)?,
                SqlValue::Text(text) => sequence.serialize_element(text)?,
            }
        }
        sequence.end()
    }
}

/// `batchText`'s answer as Rust values: each statement's rows. D1's values are null, numbers
/// (integers exact up to 2^53, which ours stay under) and text, all of which JSON keeps.
pub(super) fn decode_batch(answer: &JsString) -> Result<Vec<Vec<Row>>, DatabaseError> {
    rows_from_text(&utf8_bytes(answer))
}

impl Database for D1Adapter {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError> {
        let statements_text = Self::statements_text(&statements);
        self.round_trips.set(self.round_trips.get() + 1);
        let answer =
            self.send(&statements_text).await.map_err(|error| DatabaseError::from_driver(error_text(&error)))?;
        decode_batch(&answer)
    }
}
