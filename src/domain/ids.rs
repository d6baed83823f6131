use std::cell::Cell;

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
    /// An invitation to a workspace: `inv_…`.
    Invitation,
    /// A request without a `cf-ray` to name it: `req_…`.
    Request,
    /// One delivery of a WorkOS event (a webhook request or a scheduled run's read): `dlv_…`.
    Delivery,
}

impl IdKind {
    /// The id prefix, underscore included.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Workspace => "org_",
            IdKind::Membership => "mem_",
            IdKind::ApiKey => "key_",
            IdKind::Event => "evt_",
            IdKind::Invitation => "inv_",
            IdKind::Request => "req_",
            IdKind::Delivery => "dlv_",
        }
    }
}

/// Crockford's base32 alphabet, lowercase: no i, l, o, u to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters after the prefix: 26 × 5 bits = 130 bits of randomness.
pub const ID_BODY_LEN: usize = 26;

/// A new random id of `kind`, e.g. `org_5v3k…`.
pub fn new_id(kind: IdKind) -> String {
    format!("{}{}", kind.prefix(), random_base32::<ID_BODY_LEN>())
}

/// `N` random characters of [`ALPHABET`], 5 bits each.
pub fn random_base32<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    random_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect()
}

/// Ids of one kind that share a random stem, drawn once, and end in a counter: as unique as
/// [`new_id`]'s (80 random bits per stem, 2^50 ids each) without asking the CSPRNG each time.
/// Only for ids that name something and are never secrets, such as request ids, which every
/// request mints (in a Worker each draw crosses to `crypto.getRandomValues`).
pub struct IdSequence {
    stem: String,
    next: Cell<u64>,
}

/// Characters of a sequenced id's body that count: 10 × 5 bits.
const COUNTER_LEN: usize = 10;

impl IdSequence {
    /// A sequence of ids of `kind` with a fresh random stem.
    pub fn new(kind: IdKind) -> Self {
        let mut stem = new_id(kind);
        stem.truncate(stem.len() - COUNTER_LEN);
        Self { stem, next: Cell::new(0) }
    }

    /// The next id: the stem, then the counter in base32.
    pub fn next_id(&self) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        let mut id = String::with_capacity(self.stem.len() + COUNTER_LEN);
        id.push_str(&self.stem);
        id.extend((0..COUNTER_LEN).rev().map(|digit| ALPHABET[((n >> (5 * digit)) & 31) as usize] as char));
        id
    }
}

/// Whether `text` has the shape of an id of `kind` (it may still not exist).
pub fn looks_like_id(kind: IdKind, text: &str) -> bool {
    text.strip_prefix(kind.prefix()).is_some_and(|body| body.len() == ID_BODY_LEN && body.bytes().all(in_alphabet))
}

/// Which bytes are [`ALPHABET`]'s, made from it when compiling: a lookup, where a search of the
/// alphabet cost ~100 instructions a character (every route naming a workspace checks its 26).
const IN_ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut at = 0;
    while at < ALPHABET.len() {
        table[ALPHABET[at] as usize] = true;
        at += 1;
    }
    table
};

/// Whether `byte` is one of [`ALPHABET`]'s.
fn in_alphabet(byte: u8) -> bool {
    IN_ALPHABET[usize::from(byte)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_test_accepts_the_alphabet_and_nothing_else() {
        for byte in 0..=u8::MAX {
            assert_eq!(in_alphabet(byte), ALPHABET.contains(&byte), "{byte}");
        }
    }

    #[test]
    fn new_ids_are_prefixed_and_unique() {
        let a = new_id(IdKind::Workspace);
        let b = new_id(IdKind::Workspace);
        assert!(looks_like_id(IdKind::Workspace, &a), "{a}");
        assert_ne!(a, b);
        assert!(!looks_like_id(IdKind::Membership, &a));
    }

    #[test]
    fn sequenced_ids_have_the_same_shape_and_never_repeat() {
        let sequence = IdSequence::new(IdKind::Request);
        let ids: Vec<String> = (0..40).map(|_| sequence.next_id()).collect();
        assert!(ids.iter().all(|id| looks_like_id(IdKind::Request, id)), "{ids:?}");
        assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), ids.len());
        assert!(ids[33].ends_with("0000000011"), "{}", ids[33]);
        // Another sequence (another isolate) has its own stem.
        assert_ne!(IdSequence::new(IdKind::Request).next_id(), ids[0]);
    }
}
