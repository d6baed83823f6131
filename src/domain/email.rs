/// An email address as WorkOS gives it: trimmed, with one `@` between non-empty parts.
/// (WorkOS has verified it; we only refuse what cannot be an address.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (local, domain) = text.split_once('@')?;
        let ok = !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && text.len() <= 320
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then(|| Self(text.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_without_a_single_at_are_refused() {
        assert!(Email::parse("ada@example.com").is_some());
        assert!(Email::parse(" ada@example.com ").is_some());
        for bad in ["", "ada", "@example.com", "ada@", "a@b@c", "a da@example.com"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }
}
