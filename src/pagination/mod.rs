//! Keyset pagination: `limit` and an opaque, signed `cursor` in; `{data, has_more, next_cursor}`
//! out.

mod cursor;
mod keyset;
mod page;
mod params;

pub use cursor::{Cursor, Position, CURSOR_MAC_PURPOSE};
pub use keyset::keyset_after;
pub use page::Page;
pub use params::{PageParams, DEFAULT_LIMIT, MAX_LIMIT};
