use serde_json::{Map, Value};

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

/// A result row as column name → JSON value (D1's own representation).
pub type Row = Map<String, Value>;

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
        self.opt_text(column)?
            .ok_or_else(|| DatabaseError::new(format!("column {column} is NULL")))
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, DatabaseError> {
        match self.get(column) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) => Ok(None),
            other => Err(DatabaseError::new(format!("column {column}: expected text, got {other:?}"))),
        }
    }
    fn int(&self, column: &str) -> Result<i64, DatabaseError> {
        self.opt_int(column)?
            .ok_or_else(|| DatabaseError::new(format!("column {column} is NULL")))
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, DatabaseError> {
        match self.get(column) {
            Some(Value::Number(n)) => n
                .as_i64()
                // D1 hands integers to JavaScript as doubles.
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| DatabaseError::new(format!("column {column}: not an integer"))),
            Some(Value::Null) => Ok(None),
            other => Err(DatabaseError::new(format!("column {column}: expected integer, got {other:?}"))),
        }
    }
}

/// A storage failure. Its message is logged, never sent to a client.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseError {
    /// What the database said.
    pub message: String,
}

impl DatabaseError {
    /// A failure with its message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database: {}", self.message)
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
