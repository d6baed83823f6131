//! The WorkOS events the worker acts on, read from a webhook delivery's body or a page of the
//! events API: `{id, event, data, created_at}` (`object: "event"` too, which is not needed).

use serde::Deserialize;

use super::api::id_segment;
use crate::domain::{parse_rfc3339, Email};

/// One delivery's event.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkosEvent {
    /// `event_01…`: WorkOS delivers an event at least once; this is what deduplicates it.
    pub id: String,
    /// The event's type as WorkOS names it, e.g. `user.deleted`.
    pub kind: String,
    /// What it means here.
    pub change: EventChange,
}

/// What an event changes in the worker's storage.
#[derive(Debug, Clone, PartialEq)]
pub enum EventChange {
    /// `user.deleted`: the user's credentials stop working at once, their sessions end and no
    /// sign-in provisions them again.
    UserDeleted { user_id: String },
    /// `user.updated`: the user's email as WorkOS now has it, as of `updated_at` (Unix ms).
    UserUpdated { user_id: String, email: Email, email_verified: bool, updated_at: i64 },
    /// `session.revoked`: the cookie sessions made from that WorkOS session end.
    SessionRevoked { session_id: String },
    /// Any other type: acknowledged (so WorkOS does not retry it) and recorded, nothing else.
    Ignored,
}

/// The event types [`read_envelope`] acts on (every other is [`EventChange::Ignored`]): the only
/// ones the scheduled job asks WorkOS's events API for.
pub const ACTED_ON: &[&str] = &["session.revoked", "user.deleted", "user.updated"];

/// Why a delivery's body is not an event we can read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventUnreadable(pub String);

/// A delivery's body, read in one pass. `data` is the object the event is about (a user, a
/// session, …): only the fields some event needs are read, each optional here and required by
/// the event that needs it. (One type rather than one per event: each derived reader is code in
/// the wasm bundle.)
#[derive(Deserialize)]
pub struct Envelope {
    pub id: String,
    event: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    /// Some events' objects have none (`authentication.*`).
    id: Option<String>,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    updated_at: Option<String>,
}

/// Reads a delivery's body (after its signature has been checked).
pub fn parse_event(body: &[u8]) -> Result<WorkosEvent, EventUnreadable> {
    // Through a JSON value, as the events API's pages are read (`routes::workos_event_sync`):
    // one reader of `Envelope` in the wasm bundle rather than one per source.
    let envelope: Envelope = serde_json::from_slice(body)
        .and_then(serde_json::from_value)
        .map_err(|error| EventUnreadable(format!("event: {error}")))?;
    read_envelope(envelope)
}

/// What an event, read as an [`Envelope`], means here.
pub fn read_envelope(envelope: Envelope) -> Result<WorkosEvent, EventUnreadable> {
    if !is_workos_id(&envelope.id, "event_") {
        return Err(EventUnreadable("event: id is not a WorkOS event id (event_…)".into()));
    }
    let Envelope { id, event, data } = envelope;
    let unreadable = |what: &str| EventUnreadable(format!("event {event}: data: {what}"));
    // The id of the object the event is about, which must be a WorkOS id of this kind.
    let id_of = |prefix: &str, kind: &str| {
        data.id
            .clone()
            .filter(|id| is_workos_id(id, prefix))
            .ok_or_else(|| unreadable(&format!("id is not a WorkOS {kind} id ({prefix}…)")))
    };
    let change = match event.as_str() {
        "user.deleted" => EventChange::UserDeleted { user_id: id_of("user_", "user")? },
        "user.updated" => {
            let email = data
                .email
                .as_deref()
                .and_then(Email::parse)
                .ok_or_else(|| unreadable("email is not an email address"))?;
            let updated_at = data
                .updated_at
                .as_deref()
                .and_then(parse_rfc3339)
                .ok_or_else(|| unreadable("updated_at is not an RFC 3339 time"))?;
            EventChange::UserUpdated {
                user_id: id_of("user_", "user")?,
                email,
                email_verified: data.email_verified,
                updated_at,
            }
        }
        "session.revoked" => EventChange::SessionRevoked { session_id: id_of("session_", "session")? },
        _ => EventChange::Ignored,
    };
    Ok(WorkosEvent { id, kind: event, change })
}

/// A WorkOS id of one kind: its prefix and more, all of it what [`id_segment`] takes of an id.
fn is_workos_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty()) && id_segment(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<WorkosEvent, EventUnreadable> {
        parse_event(value.to_string().as_bytes())
    }

    /// A user object as WorkOS sends it in `data`.
    fn user(email: &str, updated_at: &str) -> serde_json::Value {
        json!({
            "object": "user", "id": "user_01ABC", "email": email, "email_verified": true,
            "first_name": null, "last_name": null, "profile_picture_url": null,
            "created_at": "2026-11-01T00:00:00.000Z", "updated_at": updated_at
        })
    }

    #[test]
    fn the_events_we_act_on_are_read_from_workos_s_shapes() {
        let deleted = parse(json!({"object": "event", "id": "event_01A", "event": "user.deleted",
            "data": user("ada@example.com", "2026-11-02T00:00:00.000Z"), "created_at": "2026-11-02T00:00:00.000Z"}));
        assert_eq!(deleted.unwrap().change, EventChange::UserDeleted { user_id: "user_01ABC".into() });

        let updated = parse(json!({"id": "event_01B", "event": "user.updated",
            "data": user("Ada@Example.com", "2026-11-02T00:00:00.250Z"), "created_at": "2026-11-02T00:00:01.000Z"}));
        assert_eq!(
            updated.unwrap().change,
            EventChange::UserUpdated {
                user_id: "user_01ABC".into(),
                email: Email::parse("Ada@Example.com").unwrap(),
                email_verified: true,
                updated_at: 1_793_577_600_250,
            }
        );

        let revoked = parse(json!({"id": "event_01C", "event": "session.revoked",
            "data": {"object": "session", "id": "session_01XYZ", "user_id": "user_01ABC", "status": "revoked"},
            "created_at": "2026-11-02T00:00:00.000Z"}));
        assert_eq!(revoked.unwrap().change, EventChange::SessionRevoked { session_id: "session_01XYZ".into() });

        let other = parse(json!({"id": "event_01D", "event": "organization.updated", "data": {"id": "org_01"},
            "created_at": "2026-11-02T00:00:00.000Z"}));
        // An event whose object has no id is acknowledged too.
        let verified = parse(json!({"id": "event_01E", "event": "authentication.email_verification_succeeded",
            "data": {"type": "email_verification", "status": "succeeded", "user_id": "user_01ABC", "email": "ada@example.com"},
            "created_at": "2026-11-02T00:00:00.000Z"}));
        assert_eq!(verified.unwrap().change, EventChange::Ignored);
        assert_eq!(
            other.unwrap(),
            WorkosEvent { id: "event_01D".into(), kind: "organization.updated".into(), change: EventChange::Ignored }
        );
    }

    #[test]
    fn the_types_acted_on_are_exactly_those_the_reader_does_not_ignore() {
        let data = user("ada@example.com", "2026-11-02T00:00:00.000Z");
        for kind in ACTED_ON.iter().chain(&["organization.updated", "session.created", "user.created"]) {
            let mut data = data.clone();
            if kind.starts_with("session.") {
                data = json!({"object": "session", "id": "session_01XYZ"});
            }
            let change = parse(json!({"id": "event_01", "event": kind, "data": data})).unwrap().change;
            assert_eq!(change != EventChange::Ignored, ACTED_ON.contains(kind), "{kind}");
        }
    }

    #[test]
    fn bodies_that_are_not_such_events_are_unreadable() {
        let cases = [
            json!([]),
            json!({"event": "user.deleted", "data": {"id": "user_01"}}),
            json!({"id": "evt_01", "event": "user.deleted", "data": {"id": "user_01"}}),
            json!({"id": "event_01", "event": "user.deleted", "data": {"id": "user_01/../x"}}),
            json!({"id": "event_01", "event": "user.deleted", "data": {}}),
            json!({"id": "event_01", "event": "user.updated", "data": user("not an email", "2026-11-02T00:00:00Z")}),
            json!({"id": "event_01", "event": "user.updated", "data": user("ada@example.com", "yesterday")}),
            json!({"id": "event_01", "event": "session.revoked", "data": {"id": "user_01"}}),
            json!({"id": "event_01", "data": {}}),
        ];
        for case in cases {
            assert!(parse(case.clone()).is_err(), "{case}");
        }
        assert!(parse_event(b"not json").is_err());
    }
}
