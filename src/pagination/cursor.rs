use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::crypto::pepper::{Pepper, PepperRing};

/// The HMAC purpose of cursors, so that a cursor MAC can never pass for an API key's.
pub const CURSOR_MAC_PURPOSE: &str = "cursor";

/// Longer than any cursor we make (scope + position + MAC is about 120 characters).
const MAX_CURSOR_CHARS: usize = 512;

/// Where the previous page ended: the keyset position of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Lists in ascending `(created_at, id)` order continue after this pair.
    After { created_at: i64, id: String },
    /// Newest-first lists in `seq` order continue below this sequence number.
    Before { seq: i64 },
    /// Lists read from WorkOS continue after the item with this id (its own `after`).
    Upstream { after: String },
}

/// A position in one list. The list's scope (e.g. `members:org_…`) is signed with it, so a
/// cursor can be neither forged nor carried to another list or workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Which list the position belongs to.
    pub scope: String,
    /// Where the previous page ended.
    pub position: Position,
}

/// Separates the payload's fields. No scope or id holds one: ours are base32, WorkOS's ids are
/// `prefix_` + base32, and a scope is a list's name and such an id.
const SEPARATOR: char = '\n';

impl Cursor {
    /// `base64url(payload).base64url(HMAC(pepper, "cursor", payload))`, the payload the scope
    /// and the position as lines: `a` with `created_at` and `id`, `b` with `seq`, `u` with
    /// `after`. (Plain lines rather than JSON: a position's serde code was 2.9 KB of the wasm's
    /// gzip.) A field holding a line break would only make the cursor fail to decode.
    pub fn encode(&self, pepper: &Pepper) -> String {
        let position = match &self.position {
            Position::After { created_at, id } => format!("a{SEPARATOR}{created_at}{SEPARATOR}{id}"),
            Position::Before { seq } => format!("b{SEPARATOR}{seq}"),
            Position::Upstream { after } => format!("u{SEPARATOR}{after}"),
        };
        let payload = format!("{}{SEPARATOR}{position}", self.scope);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), pepper.mac_base64(CURSOR_MAC_PURPOSE, payload.as_bytes()))
    }

    /// The cursor, if `text` was made by [`Cursor::encode`] under any configured pepper (so
    /// cursors survive a pepper rotation).
    pub fn decode(text: &str, peppers: &PepperRing) -> Option<Self> {
        if text.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let (payload, mac) = text.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let genuine = peppers.all().iter().any(|pepper| pepper.verify_mac_base64(CURSOR_MAC_PURPOSE, &payload, mac));
        if !genuine {
            return None;
        }
        let fields: Vec<&str> = std::str::from_utf8(&payload).ok()?.split(SEPARATOR).collect();
        let position = match fields[1..] {
            ["a", created_at, id] => Position::After { created_at: created_at.parse().ok()?, id: id.to_owned() },
            ["b", seq] => Position::Before { seq: seq.parse().ok()? },
            ["u", after] => Position::Upstream { after: after.to_owned() },
            _ => return None,
        };
        Some(Self { scope: fields[0].to_owned(), position })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> PepperRing {
        PepperRing::parse("p1:cursor-test-pepper-0123456789").unwrap()
    }

    fn cursor() -> Cursor {
        Cursor { scope: "members:org_1".into(), position: Position::After { created_at: 5, id: "mem_1".into() } }
    }

    #[test]
    fn a_cursor_round_trips() {
        let text = cursor().encode(ring().current());
        assert_eq!(Cursor::decode(&text, &ring()), Some(cursor()));
    }

    #[test]
    fn a_changed_payload_or_mac_is_refused() {
        let text = cursor().encode(ring().current());
        let (payload, mac) = text.split_once('.').unwrap();
        let mut forged = cursor();
        forged.scope = "members:org_2".into();
        let forged_payload = forged.encode(ring().current()).split_once('.').unwrap().0.to_owned();
        assert_eq!(Cursor::decode(&format!("{forged_payload}.{mac}"), &ring()), None);
        assert_eq!(Cursor::decode(&format!("{payload}.{}", &mac[1..]), &ring()), None);
        assert_eq!(Cursor::decode(payload, &ring()), None);
        assert_eq!(Cursor::decode("", &ring()), None);
    }

    #[test]
    fn every_position_round_trips_and_a_payload_of_another_shape_is_refused() {
        let peppers = ring();
        for position in [
            Position::After { created_at: -1, id: "mem_1".into() },
            Position::Before { seq: 42 },
            Position::Upstream { after: "session_01H".into() },
        ] {
            let cursor = Cursor { scope: "events:org_1".into(), position };
            assert_eq!(Cursor::decode(&cursor.encode(peppers.current()), &peppers), Some(cursor));
        }
        let signed = |payload: &str| {
            let mac = peppers.current().mac_base64(CURSOR_MAC_PURPOSE, payload.as_bytes());
            format!("{}.{mac}", URL_SAFE_NO_PAD.encode(payload))
        };
        for payload in ["events:org_1", "events:org_1\na\n5", "events:org_1\nb\nx", "events:org_1\nb\n1\n2", "s\nz\n1"]
        {
            assert_eq!(Cursor::decode(&signed(payload), &peppers), None, "{payload:?}");
        }
        assert!(Cursor::decode(&signed("events:org_1\nb\n7"), &peppers).is_some());
    }

    #[test]
    fn a_cursor_made_before_a_pepper_rotation_still_decodes() {
        let text = cursor().encode(ring().current());
        let rotated = PepperRing::parse("p2:cursor-new-pepper-0123456789,p1:cursor-test-pepper-0123456789").unwrap();
        assert_eq!(Cursor::decode(&text, &rotated), Some(cursor()));
        let other = PepperRing::parse("p3:another-pepper-entirely-0123").unwrap();
        assert_eq!(Cursor::decode(&text, &other), None);
    }
}
