use serde::{Deserialize, Serialize, Serializer};

/// What an API key may do inside its workspace. Read only from its name (`try_from`), as
/// [`crate::domain::Role`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Scope {
    /// The GET routes.
    Read,
    /// Changing the workspace and its members.
    Write,
    /// Creating and revoking API keys.
    Keys,
}

impl Scope {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Keys => "keys",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "keys" => Some(Scope::Keys),
            _ => None,
        }
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Scope::parse(&name).ok_or_else(|| format!("unknown scope `{name}`, expected one of read, write, keys"))
    }
}

/// A non-empty set of scopes, kept sorted and without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

/// Why a scope list is refused; the message is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopesError(pub &'static str);

impl Scopes {
    /// The set of `scopes`; duplicates collapse, an empty list is refused.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, ScopesError> {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(ScopesError("an API key needs at least one scope"));
        }
        Ok(Self(scopes))
    }

    /// The scopes an OAuth token was granted (`scope`, space-separated): the names we know,
    /// possibly none (then it may do nothing that needs a scope).
    pub fn granted(scope: &str) -> Self {
        let mut scopes: Vec<Scope> = scope.split(' ').filter_map(Scope::parse).collect();
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    /// What a new key gets when no scopes are asked for.
    pub fn default_for_new_key() -> Self {
        Self(vec![Scope::Read])
    }

    /// Parses the stored form, a JSON array of names.
    pub fn from_stored(json: &str) -> Option<Self> {
        let names: Vec<Scope> = serde_json::from_slice(json.as_bytes()).ok()?;
        Self::new(names).ok()
    }

    /// The stored form, a JSON array of names.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("scopes serialise")
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The scopes, in order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_a_sorted_set_and_never_empty() {
        let scopes = Scopes::new([Scope::Keys, Scope::Read, Scope::Keys]).unwrap();
        assert_eq!(scopes.to_stored(), r#"["read","keys"]"#);
        assert_eq!(Scopes::from_stored(r#"["keys","read"]"#), Some(scopes));
        assert!(Scopes::new([]).is_err());
        assert_eq!(Scopes::from_stored(r#"["admin"]"#), None);
        // Only a name: serde's derived enum also read `{"read": null}`.
        assert_eq!(Scopes::from_stored(r#"[{"read":null}]"#), None);
        assert!(serde_json::from_slice::<Scope>(r#"{"keys":null}"#.as_bytes()).is_err());
        assert_eq!(
            Scopes::new([Scope::Write, Scope::Read]).unwrap().iter().collect::<Vec<_>>(),
            [Scope::Read, Scope::Write]
        );
    }
}
