/// A display name (workspace, API key): 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

/// Why a name is refused; the message is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError(pub &'static str);

const MAX_CHARS: usize = 100;

impl Name {
    /// Parses a name, trimming surrounding whitespace.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let name = text.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_CHARS {
            return Err(NameError("a name is 1 to 100 characters long"));
        }
        // Names end up in UIs and logs, where control characters can forge lines or hide text.
        if name.chars().any(char::is_control) {
            return Err(NameError("a name has no control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_counted_in_characters() {
        assert_eq!(Name::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(Name::parse(&"é".repeat(100)).is_ok(), "100 two-byte characters fit");
        assert_eq!(Name::parse(&"a".repeat(101)).unwrap_err().0, "a name is 1 to 100 characters long");
        assert_eq!(Name::parse("   ").unwrap_err().0, "a name is 1 to 100 characters long");
        assert_eq!(Name::parse("a\nb").unwrap_err().0, "a name has no control characters");
    }
}
