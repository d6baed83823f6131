//! SQL kept next to the code that owns it: one file per aggregate of the schema in
//! `migrations/`.

mod sql_time;
pub mod web_sign_in;


