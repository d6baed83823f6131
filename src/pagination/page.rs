use serde::Serialize;

use super::{Cursor, Position};
use crate::crypto::pepper::Pepper;

/// One page of a list: `{data, has_more, next_cursor}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows, in list order.
    pub data: Vec<T>,
    /// Whether rows follow this page.
    pub has_more: bool,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from the rows of a query that asked for `limit + 1` (the extra row only says
    /// whether more follow). `position` tells where a row sits in the list, `view` renders it.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: usize,
        scope: &str,
        pepper: &Pepper,
        position: impl Fn(&R) -> Position,
        view: impl Fn(&R) -> T,
    ) -> Self {
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = match rows.last() {
            Some(last) if has_more => Some(Cursor { scope: scope.to_owned(), position: position(last) }.encode(pepper)),
            _ => None,
        };
        Self { data: rows.iter().map(view).collect(), has_more, next_cursor }
    }
}
