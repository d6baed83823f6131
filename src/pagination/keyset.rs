//! Where an ascending `(created_at, id)` list continues: the bounds every list's SQL takes.

use super::Position;

/// The start of an ascending `(created_at, id)` list: before every row.
fn keyset_start() -> (i64, String) {
    (-1, String::new())
}

/// The `(created_at, id)` a page continues after.
pub fn keyset_after(position: Option<&Position>) -> (i64, String) {
    match position {
        Some(Position::After { created_at, id }) => (*created_at, id.clone()),
        _ => keyset_start(),
    }
}
