use std::rc::Rc;

use serde_json::{Number, Value};

/// A value bound to a SQL parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// SQL NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// A text value.
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(value)
    }
}
impl From<&String> for SqlValue {
    fn from(value: &String) -> Self {
        SqlValue::Text(value.clone())
    }
}
impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Integer(value)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// A SQL statement with positional parameters (`?1`, `?2`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: &'static str,
    /// The parameters, bound in order.
    pub params: Vec<SqlValue>,
}

impl Statement {
    /// A statement with its parameters.
    pub fn new(sql: &'static str, params: Vec<SqlValue>) -> Self {
        Self { sql, params }
    }
}

/// A result row: its statement's column names, shared by all of its rows, and this row's values
/// in that order. D1's values are null, numbers and text, which JSON values hold.
///
/// Not a map of column name to value, which is what D1's client makes of each row: that map
/// costs a `String` key per column per row, written into JSON and read back out, and the routes
/// read a row's columns by name a few times each (`docs/performance.md`, "What each change
/// bought").
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Rc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row of `values`, one per column of `columns`.
    pub fn new(columns: Rc<[String]>, values: Vec<Value>) -> Result<Self, DatabaseError> {
        if columns.len() != values.len() {
            return Err(DatabaseError::new(format!("a row of {} values for {} columns", values.len(), columns.len())));
        }
        Ok(Self { columns, values })
    }

    /// The value of `column`; of the last one of that name, as a map would keep it, when a
    /// statement names two columns alike.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.columns.iter().rposition(|name| name == column).map(|at| &self.values[at])
    }

    /// The column names, shared by every row of the statement.
    pub fn columns(&self) -> &Rc<[String]> {
        &self.columns
    }

    /// The values, one per column.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

/// Typed access to a row's columns; a missing or mistyped column is a storage bug.
pub trait RowExt {
    /// A text column.
    fn text(&self, column: &str) -> Result<String, DatabaseError>;
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>, DatabaseError>;
    /// An integer column.
    fn int(&self, column: &str) -> Result<i64, DatabaseError>;
    /// A nullable integer column.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, DatabaseError>;
}

impl RowExt for Row {
    fn text(&self, column: &str) -> Result<String, DatabaseError> {
        self.opt_text(column)?.ok_or_else(|| DatabaseError::new(format!("column {column} is NULL")))
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, DatabaseError> {
        match self.get(column) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) => Ok(None),
            other => Err(DatabaseError::new(format!("column {column}: expected text, got {other:?}"))),
        }
    }
    fn int(&self, column: &str) -> Result<i64, DatabaseError> {
        self.opt_int(column)?.ok_or_else(|| DatabaseError::new(format!("column {column} is NULL")))
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, DatabaseError> {
        match self.get(column) {
            // D1 hands integers to JavaScript as doubles.
            Some(Value::Number(n)) => {
                whole_number(n).map(Some).ok_or_else(|| DatabaseError::new(format!("column {column}: not an integer")))
            }
            Some(Value::Null) => Ok(None),
            other => Err(DatabaseError::new(format!("column {column}: expected integer, got {other:?}"))),
        }
    }
}

/// A JSON number that holds a whole number, as an integer: `5`, and `5.0` too, which is what D1
/// makes of an integer and what JSON Schema still counts as one.
pub fn whole_number(number: &Number) -> Option<i64> {
    number.as_i64().or_else(|| number.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

/// A storage failure. Its message is logged, never sent to a client.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseError {
    /// What the database said.
    pub message: String,
    /// Whether retrying can help.
    pub kind: DatabaseErrorKind,
}

/// Whose failure it is, which decides the answer: 503 with `Retry-After`, or 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseErrorKind {
    /// D1 unreachable, overloaded, reset or timing out: the client should retry.
    Unavailable,
    /// Ours and permanent (a row we cannot decode, SQL or a constraint we did not expect):
    /// retrying cannot help.
    Internal,
}

/// Words of D1's (and SQLite's) messages for failures that pass: the network, overload,
/// resets, timeouts, a busy database. Anything else the database says is a statement of ours
/// it refused, which no retry fixes.
const TRANSIENT_MARKERS: &[&str] = &[
    "network connection lost",
    "overloaded",
    "too many requests",
    "queued for too long",
    "was reset",
    "caused object to be reset",
    "reset because",
    "timeout",
    "timed out",
    "transient",
    "client disconnected",
    "unavailable",
    "database is locked",
    "sqlite_busy",
];

impl DatabaseError {
    /// A failure of ours (decoding, an impossible result): permanent.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), kind: DatabaseErrorKind::Internal }
    }

    /// A failure the database driver reported, classified by its message: D1's errors are
    /// strings (`D1_ERROR: Network connection lost.`, `D1 DB is overloaded. …`,
    /// `UNIQUE constraint failed: …`), so the text is all there is to go on.
    pub fn from_driver(message: impl Into<String>) -> Self {
        let message = message.into();
        let lower = message.to_ascii_lowercase();
        let kind = if TRANSIENT_MARKERS.iter().any(|marker| lower.contains(marker)) {
            DatabaseErrorKind::Unavailable
        } else {
            DatabaseErrorKind::Internal
        };
        Self { message, kind }
    }
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            DatabaseErrorKind::Unavailable => "unavailable",
            DatabaseErrorKind::Internal => "internal",
        };
        write!(f, "database ({kind}): {}", self.message)
    }
}

/// SQL storage with D1's semantics: no interactive transactions, but an atomic batch.
#[allow(async_fn_in_trait)] // single-threaded hosts: no Send bound wanted
pub trait Database {
    /// Runs the statements in one round trip, atomically (all or nothing), returning each
    /// statement's rows in order.
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError>;

    /// Runs one statement in one round trip.
    async fn query(&self, statement: Statement) -> Result<Vec<Row>, DatabaseError> {
        let mut results = self.batch(vec![statement]).await?;
        Ok(results.pop().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_from_our_own_errors_by_what_d1_says() {
        let unavailable = [
            "D1_ERROR: Network connection lost.",
            "D1 DB is overloaded. Too many requests queued.",
            "D1 DB is overloaded. Requests queued for too long.",
            "D1 DB storage operation exceeded timeout which caused object to be reset.",
            "Internal error in D1 DB storage caused object to be reset.",
            "D1 DB reset because its code was updated.",
            "Cannot resolve D1 DB due to transient issue on remote node.",
            "D1_ERROR: database is locked: SQLITE_BUSY",
        ];
        for message in unavailable {
            assert_eq!(DatabaseError::from_driver(message).kind, DatabaseErrorKind::Unavailable, "{message}");
        }
        let internal = [
            "D1_ERROR: UNIQUE constraint failed: workspaces.slug: SQLITE_CONSTRAINT",
            "D1_ERROR: no such column: emial: SQLITE_ERROR",
            "near \"SELEC\": syntax error",
            "D1_TYPE_ERROR: Type 'object' not supported for value",
            "FOREIGN KEY constraint failed",
        ];
        for message in internal {
            assert_eq!(DatabaseError::from_driver(message).kind, DatabaseErrorKind::Internal, "{message}");
        }
        assert_eq!(DatabaseError::new("column id is NULL").kind, DatabaseErrorKind::Internal);
    }
}
