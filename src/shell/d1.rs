use std::cell::Cell;

use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::platform::{Database, DatabaseError, Row, SqlValue, Statement};

/// D1 as the core's [`Database`]. Every call is one `batch()`: one round trip, atomic.
pub struct D1Adapter {
    database: D1Database,
    round_trips: Cell<usize>,
}

impl D1Adapter {
    /// Wraps the `DB` binding.
    pub fn new(database: D1Database) -> Self {
        Self { database, round_trips: Cell::new(0) }
    }

    /// Round trips made so far through this adapter (one request's worth).
    pub fn round_trips(&self) -> usize {
        self.round_trips.get()
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

impl Database for D1Adapter {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError> {
        let mut prepared = Vec::with_capacity(statements.len());
        for statement in &statements {
            let values: Vec<JsValue> = statement.params.iter().map(to_js_value).collect();
            let bound =
                self.database.prepare(statement.sql).bind(&values).map_err(|e| DatabaseError::new(e.to_string()))?;
            prepared.push(bound);
        }
        self.round_trips.set(self.round_trips.get() + 1);
        let results = self.database.batch(prepared).await.map_err(|e| DatabaseError::from_driver(e.to_string()))?;
        results
            .iter()
            .map(|result| match result.error() {
                Some(error) => Err(DatabaseError::from_driver(error)),
                None => result.results::<Row>().map_err(|e| DatabaseError::new(e.to_string())),
            })
            .collect()
    }
}
