//! Cookies: reading the `Cookie` header, writing `Set-Cookie`.

/// The value of cookie `name` in a `Cookie` header, if present.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').map(str::trim).find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches('"'))
    })
}

/// A `Set-Cookie` value: always `HttpOnly`, `Secure` and `Path=<path>`; `max_age` 0 deletes.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, same_site: &str, domain: Option<&str>) -> String {
    let domain = domain.map(|d| format!("; Domain={d}")).unwrap_or_default();
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite={same_site}{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let header = Some("a=1; __Host-edge_auth=abc; edge_auth=def");
        assert_eq!(cookie(header, "__Host-edge_auth"), Some("abc"));
        assert_eq!(cookie(header, "edge_auth"), Some("def"));
        assert_eq!(cookie(header, "edge"), None);
        assert_eq!(cookie(None, "a"), None);
    }

    #[test]
    fn set_cookie_is_http_only_and_secure() {
        assert_eq!(
            set_cookie("__Host-x", "v", "/", 60, "Lax", None),
            "__Host-x=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax"
        );
        assert!(set_cookie("x", "", "/", 0, "None", Some("example.com")).ends_with("SameSite=None; Domain=example.com"));
    }
}
