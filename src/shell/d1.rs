use std::cell::{Cell, RefCell};
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

/// D1 as the core's [`Database`]. Every call is one round trip, atomic: one `batch()`, or one
/// statement's `raw()` (`d1_batch.js`).
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

    /// The statements as `batchText` takes them (see [`StatementsText`]).
    pub fn statements_text(statements: &[Statement]) -> StatementsText {
        StatementsText::new(statements)
    }

    /// Sends statements (as [`Self::statements_text`] writes them) in one round trip (a batch, or
    /// a lone statement's `raw()`); D1's answer as `batchText` writes it.
    pub(super) async fn send(&self, statements: StatementsText) -> Result<JsString, JsValue> {
        let answer = batch_text(&self.database, &statements.text);
        // `batchText` numbered the new SQL texts before anything in it could fail.
        statements.sent();
        let answer = Waits::time(&self.waits.d1, JsFuture::from(answer)).await?;
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

thread_local! {
    /// The SQL texts this instance has sent to `batchText`, numbered in the order they were first
    /// sent: where each is (a statement's SQL is a `&'static str`, so a text never moves) and how
    /// long. A new instance (after a panic) starts again from nothing and numbers them anew.
    static SENT_SQL: RefCell<Vec<SqlAt>> = const { RefCell::new(Vec::new()) };
}

/// Where a SQL text is and how long it is.
type SqlAt = (usize, usize);

fn sql_at(sql: &'static str) -> SqlAt {
    (sql.as_ptr() as usize, sql.len())
}

/// How a statement's SQL crosses: its text once per instance, numbered; its number after that.
/// The org read's SQL is ~500 bytes, which serde_json escaped byte by byte and JS decoded and
/// parsed again on every request (docs/performance.md).
enum SqlRef {
    /// `[text, number, param, …]`: `batchText` keeps the text under the number.
    First(usize, &'static str),
    /// `[number, param, …]`: a text `batchText` keeps.
    Sent(usize),
}

/// Statements as the JSON `batchText` reads, `[[sql, param, …], …]`, with each SQL as a
/// [`SqlRef`] writes it; and the texts it numbers for the first time, known as sent once
/// [`D1Adapter::send`] has handed it over ([`Self::sent`]).
pub struct StatementsText {
    text: String,
    first_sent: Vec<SqlAt>,
}

impl StatementsText {
    /// The JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn new(statements: &[Statement]) -> Self {
        SENT_SQL.with(|sent| {
            let json = StatementsJson { statements, sent: &sent.borrow(), first_sent: RefCell::default() };
            let text = serde_json::to_string(&json).expect("SQL and its parameters are always JSON");
            Self { text, first_sent: json.first_sent.into_inner() }
        })
    }

    /// `batchText` has the text: the SQL it numbered for the first time is sent.
    fn sent(mut self) {
        SENT_SQL.with(|sent| sent.borrow_mut().append(&mut self.first_sent));
    }
}

/// The statements as JSON, each SQL numbered after those `sent` (see [`SqlRef`]).
struct StatementsJson<'a> {
    statements: &'a [Statement],
    sent: &'a [SqlAt],
    /// The texts numbered for the first time while writing, after `sent`'s.
    first_sent: RefCell<Vec<SqlAt>>,
}

impl StatementsJson<'_> {
    fn sql_ref(&self, sql: &'static str) -> SqlRef {
        let at = sql_at(sql);
        if let Some(number) = self.sent.iter().position(|&known| known == at) {
            return SqlRef::Sent(number);
        }
        let mut first_sent = self.first_sent.borrow_mut();
        if let Some(number) = first_sent.iter().position(|&known| known == at) {
            return SqlRef::Sent(self.sent.len() + number);
        }
        first_sent.push(at);
        SqlRef::First(self.sent.len() + first_sent.len() - 1, sql)
    }
}

impl Serialize for StatementsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(Some(self.statements.len()))?;
        for statement in self.statements {
            sequence.serialize_element(&StatementJson(statement, self.sql_ref(statement.sql)))?;
        }
        sequence.end()
    }
}

/// One statement: its SQL (see [`SqlRef`]), then its parameters.
struct StatementJson<'a>(&'a Statement, SqlRef);

impl Serialize for StatementJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let StatementJson(statement, sql) = self;
        let mut sequence = serializer.serialize_seq(None)?;
        // As `i64`, which the parameters' integers already use: no code of its own in the wasm.
        match *sql {
            SqlRef::First(number, text) => {
                sequence.serialize_element(text)?;
                sequence.serialize_element(&(number as i64))?;
            }
            SqlRef::Sent(number) => sequence.serialize_element(&(number as i64))?,
        }
        for param in &statement.params {
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
            self.send(statements_text).await.map_err(|error| DatabaseError::from_driver(error_text(&error)))?;
        decode_batch(&answer)
    }
}
