use crate::platform::random_bytes;

/// The kinds of ids we mint; the prefix tells a reader (and the router) what an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A workspace (organisation): `org_…`.
    Workspace,
    /// A membership: `mem_…`.
    Membership,
    /// An API key: `key_…`.
    ApiKey,
    /// An audit event: `evt_…`.
    Event,
    /// A request without a `cf-ray` to name it: `req_…`.
    Request,
}

impl IdKind {
    /// The id prefix, underscore included.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Workspace => "org_",
            IdKind::Membership => "mem_",
            IdKind::ApiKey => "key_",
            IdKind::Event => "evt_",
            IdKind::Request => "req_",
        }
    }
}

/// Crockford's base32 alphabet, lowercase: no i, l, o, u to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters after the prefix: 26 × 5 bits = 130 bits of randomness.
pub const ID_BODY_LEN: usize = 26;

/// A new random id of `kind`, e.g. `org_5v3k…`.
pub fn new_id(kind: IdKind) -> String {
    let mut bytes = [0u8; ID_BODY_LEN];
    random_bytes(&mut bytes);
    let body: String = bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect();
    format!("{}{body}", kind.prefix())
}

/// Whether `text` has the shape of an id of `kind` (it may still not exist).
pub fn looks_like_id(kind: IdKind, text: &str) -> bool {
    text.strip_prefix(kind.prefix())
        .is_some_and(|body| body.len() == ID_BODY_LEN && body.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_prefixed_and_unique() {
        let a = new_id(IdKind::Workspace);
        let b = new_id(IdKind::Workspace);
        assert!(looks_like_id(IdKind::Workspace, &a), "{a}");
        assert_ne!(a, b);
        assert!(!looks_like_id(IdKind::Membership, &a));
    }
}
