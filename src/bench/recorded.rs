//! A platform whose database answers from memory: the core's own work on a route, timed with D1
//! left out (`POST /v1/__bench/route`).

use std::cell::{Cell, RefCell};

use crate::platform::{rows_from_text, rows_text, Database, DatabaseError, Platform, Row, Statement, UnixMillis};

/// `inner`, except that its database's answers are recorded until [`Recorded::replay`] and
/// replayed in order after it. A replayed answer is read from JSON text each time, as the shell
/// reads D1's, so the rows cost what they cost on the way in from D1.
pub struct Recorded<'a, P: Platform> {
    inner: &'a P,
    db: RecordingDatabase<'a, P::Db>,
}

/// The database of a [`Recorded`] platform.
pub struct RecordingDatabase<'a, D> {
    inner: &'a D,
    /// Each batch's answer, as JSON text.
    answers: RefCell<Vec<String>>,
    replaying: Cell<bool>,
    next: Cell<usize>,
}

impl<'a, P: Platform> Recorded<'a, P> {
    /// Records `inner`'s database answers from now on.
    pub fn new(inner: &'a P) -> Self {
        let db = RecordingDatabase {
            inner: inner.db(),
            answers: RefCell::default(),
            replaying: Cell::new(false),
            next: Cell::new(0),
        };
        Self { inner, db }
    }

    /// From now on, answers every batch with the recorded answers, in turn.
    pub fn replay(&self) {
        self.db.replaying.set(true);
    }
}

impl<D: Database> Database for RecordingDatabase<'_, D> {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError> {
        if self.replaying.get() {
            let answers = self.answers.borrow();
            if answers.is_empty() {
                return Err(DatabaseError::new("nothing was recorded to replay".to_owned()));
            }
            let at = self.next.get();
            self.next.set(at + 1);
            return rows_from_text(answers[at % answers.len()].as_bytes());
        }
        let rows = self.inner.batch(statements).await?;
        self.answers.borrow_mut().push(rows_text(&rows));
        Ok(rows)
    }
}

impl<'a, P: Platform> Platform for Recorded<'a, P> {
    type Db = RecordingDatabase<'a, P::Db>;
    type Kv = P::Kv;
    type Http = P::Http;
    type Limiter = P::Limiter;

    fn db(&self) -> &Self::Db {
        &self.db
    }
    fn kv(&self) -> &Self::Kv {
        self.inner.kv()
    }
    fn http(&self) -> &Self::Http {
        self.inner.http()
    }
    fn sign_in_limiter(&self) -> &Self::Limiter {
        self.inner.sign_in_limiter()
    }
    fn now(&self) -> UnixMillis {
        self.inner.now()
    }
}
