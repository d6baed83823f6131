use serde::Serialize;

/// An outgoing response, detached from the host's types.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers with lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// A JSON response from any serialisable value. The body starts with room for a record's
    /// answer (a workspace is ~180 bytes), which `to_vec`'s empty vector reached by five
    /// reallocations.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        let mut body = Vec::with_capacity(256);
        serde_json::to_writer(&mut body, value).expect("response values serialise");
        Self::raw_json(status, body)
    }

    /// A JSON response from bytes that are already JSON (stored replays).
    pub fn raw_json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), "application/json; charset=utf-8".into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body,
        }
    }

    /// An empty response.
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (tests).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}
