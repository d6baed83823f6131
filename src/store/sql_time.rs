/// SQL that formats a Unix-milliseconds column as RFC 3339, exactly as
/// [`crate::domain::rfc3339`] does in Rust (integer arithmetic only, so both agree to the
/// millisecond). Expands to a string literal, for use inside `concat!`.
#[macro_export]
macro_rules! sql_rfc3339 {
    ($column:literal) => {
        concat!(
            "(strftime('%Y-%m-%dT%H:%M:%S', ",
            $column,
            " / 1000, 'unixepoch') || '.' || printf('%03d', ",
            $column,
            " % 1000) || 'Z')"
        )
    };
}
