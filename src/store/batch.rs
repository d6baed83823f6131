use crate::platform::{Database, DatabaseError, Row, Statement};

/// Statements to run in one round trip, atomically. Each `push` returns the [`Slot`] where that
/// statement's rows will be, so independent lookups (the caller, the workspace, a page) can be
/// composed into one batch.
#[derive(Debug, Default)]
pub struct Batch {
    statements: Vec<Statement>,
}

/// Where a pushed statement's rows are in the [`BatchResults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(usize);

/// The rows of every statement of a batch.
#[derive(Debug, Clone, Default)]
pub struct BatchResults(Vec<Vec<Row>>);

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a statement.
    pub fn push(&mut self, statement: Statement) -> Slot {
        self.statements.push(statement);
        Slot(self.statements.len() - 1)
    }

    /// Runs every statement in one round trip.
    pub async fn run<D: Database>(self, db: &D) -> Result<BatchResults, DatabaseError> {
        let expected = self.statements.len();
        let results = db.batch(self.statements).await?;
        if results.len() != expected {
            return Err(DatabaseError::new(format!(
                "batch of {expected} statements returned {} results",
                results.len()
            )));
        }
        Ok(BatchResults(results))
    }
}

impl BatchResults {
    /// The rows of the statement in `slot`.
    pub fn rows(&self, slot: Slot) -> &[Row] {
        &self.0[slot.0]
    }

    /// The first row of the statement in `slot`, if any.
    pub fn first(&self, slot: Slot) -> Option<&Row> {
        self.0[slot.0].first()
    }
}
