//! How a change request is decided twice with the same rules: on the state read before the
//! write (to refuse early, with a precise error), and — when the write's own SQL guard refused —
//! on the state that guard saw, to say why.

use crate::http::{log_error, ApiError, ApiResponse};

/// What a change request comes to in a given state.
#[derive(Debug)]
pub enum Verdict {
    /// Allowed and changes something: run the write.
    Write,
    /// Nothing to write (e.g. the role already is the one asked for): this is the answer.
    Answer(ApiResponse),
}

/// The answer to a change whose guarded batch wrote nothing, from the rules applied to the
/// state that batch saw. The batch wrote nothing, so its final reads show exactly what its guard
/// saw: the rules must refuse too, or answer without a write. If they would write, the rules and
/// the SQL guard disagree — a bug, reported as one.
pub fn refusal(verdict: Result<Verdict, ApiError>) -> Result<ApiResponse, ApiError> {
    match verdict? {
        Verdict::Answer(answer) => Ok(answer),
        Verdict::Write => {
            log_error("a change allowed by the rules was refused by its SQL guard");
            Err(ApiError::internal())
        }
    }
}

/// The state read after a change that was made lacks a row it must have: a storage bug.
pub fn missing_after_write(what: &str) -> ApiError {
    log_error(&format!("{what} missing right after being written"));
    ApiError::internal()
}
