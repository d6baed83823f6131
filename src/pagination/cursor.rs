use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};

use crate::crypto::pepper::{Pepper, PepperRing};

/// The HMAC purpose of cursors, so that a cursor MAC can never pass for an API key's.
pub const CURSOR_MAC_PURPOSE: &str = "cursor";

/// Longer than any cursor we make (scope + position + MAC is about 150 characters).
const MAX_CURSOR_CHARS: usize = 512;

/// Where the previous page ended: the keyset position of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// Which list the position belongs to.
    #[serde(rename = "s")]
    pub scope: String,
    /// Where the previous page ended.
    #[serde(rename = "p")]
    pub position: Position,
}

impl Cursor {
    /// `base64url(payload).base64url(HMAC(pepper, "cursor", payload))`.
    pub fn encode(&self, pepper: &Pepper) -> String {
        let payload = serde_json::to_vec(self).expect("a cursor serialises");
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), pepper.mac_base64(CURSOR_MAC_PURPOSE, &payload))
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
        serde_json::from_slice(&payload).ok()
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
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(Cursor::decode(&format!("{forged_payload}.{mac}"), &ring()), None);
        assert_eq!(Cursor::decode(&format!("{payload}.{}", &mac[1..]), &ring()), None);
        assert_eq!(Cursor::decode(payload, &ring()), None);
        assert_eq!(Cursor::decode("", &ring()), None);
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
