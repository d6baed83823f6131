//! What a change request comes to on the state it was decided on.

use crate::http::ApiResponse;

/// What a change request comes to in a given state.
#[derive(Debug)]
pub enum Verdict {
    /// Allowed and changes something: run the write.
    Write,
    /// Nothing to write (e.g. the role already is the one asked for): this is the answer.
    Answer(ApiResponse),
}
