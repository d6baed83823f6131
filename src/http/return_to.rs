//! Where a sign-in may send the browser back.

/// Where a sign-in sends the browser back: a path on this origin, or an https URL on an allowed
/// origin — never a free URL, which would make the worker an open redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTo(String);

/// Why a `return_to` is refused; the message is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnToError(pub &'static str);

impl ReturnTo {
    /// A path starting with exactly one `/` (no `//`, no backslash, no control bytes, also once
    /// percent-decoded), or `https://` + an origin of `allowed_origins` + a path.
    pub fn parse(text: &str, allowed_origins: &[String]) -> Result<Self, ReturnToError> {
        let decoded = super::request::percent_decode(text).unwrap_or_default();
        for form in [text, decoded.as_str()] {
            if form.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'\\') {
                return Err(ReturnToError("return_to has control characters or a backslash"));
            }
        }
        if text.starts_with('/') {
            if text.starts_with("//") || decoded.starts_with("//") {
                return Err(ReturnToError("return_to is a path starting with exactly one /"));
            }
            return Ok(Self(text.to_owned()));
        }
        let origin_end = text.strip_prefix("https://").map(|rest| 8 + rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        let origin = origin_end.map(|end| &text[..end]);
        match origin {
            Some(origin) if !origin.contains('@') && allowed_origins.iter().any(|o| o.eq_ignore_ascii_case(origin)) => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(ReturnToError("return_to is a path on this origin or an https URL of LOGIN_RETURN_ORIGINS")),
        }
    }

    /// Where to go.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_and_allowed_https_origins_are_accepted() {
        let allowed = vec!["https://app.example.com".to_owned()];
        for good in ["/", "/dashboard?tab=1#x", "https://app.example.com", "https://app.example.com/after?x=1"] {
            assert!(ReturnTo::parse(good, &allowed).is_ok(), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https:evil.example",
            "https://evil.example",
            "https://app.example.com.evil.example/",
            "https://app.example.com@evil.example/",
            "http://app.example.com/",
            "javascript:alert(1)",
            "/%2F%2Fevil.example",
            "%2F%2Fevil.example",
            "/%5Cevil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/%0d%0aSet-Cookie:x",
            "evil.example",
            "",
        ] {
            assert!(ReturnTo::parse(bad, &allowed).is_err(), "{bad:?}");
        }
    }
}
