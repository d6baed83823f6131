//! WorkOS's events: kept for the events API (`GET /events`), and delivered as webhooks, as WorkOS
//! makes them to the endpoint an app configures in its dashboard:
//! `POST <endpoint>` with the event as JSON (`{object: "event", id, event, data, created_at}`)
//! and `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, retried with
//! backoff while the endpoint answers anything but 2xx. Off until `POST /__dev/webhooks` names
//! an endpoint (`npm run dev` names the worker's).
//!
//! The signature is computed here, not with the worker's code: the stand-in exists to test that
//! code, so it must not share it.

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::ids;

/// Attempts per event, and the wait before each retry (WorkOS backs off over hours; a local
/// worker restarting takes seconds).
const ATTEMPTS: u32 = 4;
const FIRST_RETRY_AFTER: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where deliveries go.
#[derive(Clone, Debug)]
struct Endpoint {
    /// `http://host:port/path`: the worker under `wrangler dev`.
    url: String,
    secret: String,
}

/// One event and what became of its delivery.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub id: String,
    pub event: String,
    /// The endpoint's last answer (`None`: not reached yet, or not at all).
    pub status: Option<u16>,
    pub attempts: u32,
    /// Whether the endpoint answered 2xx.
    pub delivered: bool,
}

#[derive(Default)]
pub struct Webhooks {
    endpoint: Mutex<Option<Endpoint>>,
    log: Arc<Mutex<Vec<Delivery>>>,
    /// Every event, oldest first, whether or not it was delivered.
    events: Mutex<Vec<Value>>,
}

impl Webhooks {
    /// Sends deliveries to `url` signed with `secret`, or to nowhere (`None`).
    pub fn configure(&self, endpoint: Option<(String, String)>) -> Result<(), String> {
        if let Some((url, _)) = &endpoint {
            split_url(url).ok_or_else(|| format!("{url:?} is not an http://host:port/path URL"))?;
        }
        *lock(&self.endpoint) = endpoint.map(|(url, secret)| Endpoint { url, secret });
        Ok(())
    }

    /// The configured endpoint's URL and every delivery so far, oldest first.
    pub fn status(&self) -> Value {
        json!({
            "url": lock(&self.endpoint).as_ref().map(|e| e.url.clone()),
            "deliveries": *lock(&self.log),
        })
    }

    /// `GET /events`: the events of the `types` asked for, oldest first, after the event `after`,
    /// at most `limit`, as WorkOS lists them.
    pub fn list(&self, types: &[&str], after: Option<&str>, limit: usize) -> Value {
        let events = lock(&self.events);
        let start = match after {
            Some(after) => events.iter().position(|e| e["id"] == after).map_or(events.len(), |i| i + 1),
            None => 0,
        };
        let data: Vec<&Value> =
            events[start..].iter().filter(|e| types.contains(&e["event"].as_str().unwrap_or(""))).take(limit).collect();
        let after = (data.len() == limit).then(|| data.last().map(|e| e["id"].clone())).flatten();
        json!({ "object": "list", "data": data, "list_metadata": { "after": after } })
    }

    /// Records an event of type `event` about `data`, and delivers it in the background if an
    /// endpoint is set.
    pub fn emit(&self, event: &str, data: Value) {
        let id = ids::prefixed("event");
        let event_json = json!({
            "object": "event",
            "id": id,
            "event": event,
            "data": data,
            "created_at": edge_auth::domain::rfc3339(ids::now_unix_millis()),
        });
        let body = event_json.to_string();
        lock(&self.events).push(event_json);
        let Some(endpoint) = lock(&self.endpoint).clone() else { return };
        let index = {
            let mut log = lock(&self.log);
            log.push(Delivery { id: id.clone(), event: event.to_owned(), status: None, attempts: 0, delivered: false });
            log.len() - 1
        };
        let log = Arc::clone(&self.log);
        let event = event.to_owned();
        std::thread::spawn(move || {
            let mut wait = FIRST_RETRY_AFTER;
            for attempt in 1..=ATTEMPTS {
                // Signed at each attempt, as WorkOS does: a retry is a new delivery of the event.
                let status = post(&endpoint, &body);
                let delivered = status.is_some_and(|s| (200..300).contains(&s));
                lock(&log)[index] =
                    Delivery { id: id.clone(), event: event.clone(), status, attempts: attempt, delivered };
                eprintln!("workos-stand-in: webhook {id} → {} (attempt {attempt}): {status:?}", endpoint.url);
                if delivered {
                    return;
                }
                std::thread::sleep(wait);
                wait *= 2;
            }
        });
    }
}

/// `t=<now ms>, v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, timestamp_ms: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp_ms}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp_ms}, v1={hex}")
}

/// One POST of `body`; the answer's status, or `None` when the endpoint could not be reached.
fn post(endpoint: &Endpoint, body: &str) -> Option<u16> {
    let (host, path) = split_url(&endpoint.url)?;
    let mut stream = TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(TIMEOUT)).ok()?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         WorkOS-Signature: {}\r\nUser-Agent: workos-stand-in\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        signature(&endpoint.secret, ids::now_unix_millis(), body),
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let status_line = String::from_utf8_lossy(&answer).lines().next()?.to_owned();
    status_line.split(' ').nth(1)?.parse().ok()
}

/// `http://host:port/path` → (`host:port`, `/path`).
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    (!host.is_empty() && host.contains(':')).then_some((host, path))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    #[test]
    fn the_signature_is_workos_s_scheme() {
        // `printf '1795305600000.%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test`
        assert_eq!(
            signature("whsec_test", 1_795_305_600_000, r#"{"id":"event_01","event":"user.deleted"}"#),
            "t=1795305600000, v1=24af55e6707b3ff6b0dd477494383b0039962655ae012a970f0d0c426f63bb24"
        );
    }

    #[test]
    fn only_http_endpoints_with_a_port_are_taken() {
        let hooks = Webhooks::default();
        assert!(hooks.configure(Some(("http://127.0.0.1:8787/v1/webhooks/workos".into(), "s".into()))).is_ok());
        assert!(hooks.configure(Some(("https://example.com/hook".into(), "s".into()))).is_err());
        assert!(hooks.configure(Some(("127.0.0.1:8787/x".into(), "s".into()))).is_err());
        assert_eq!(split_url("http://127.0.0.1:1/a/b?c"), Some(("127.0.0.1:1", "/a/b?c")));
    }

    #[test]
    fn an_event_is_delivered_signed_and_retried_until_the_endpoint_takes_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let hooks = Webhooks::default();
        hooks.configure(Some((url, "whsec_test".into()))).unwrap();
        hooks.emit("user.deleted", json!({ "object": "user", "id": "user_01X" }));
        let mut seen = Vec::new();
        for answer in ["503 Service Unavailable", "200 OK"] {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                headers.push(line.trim().to_owned());
            }
            let length: usize =
                headers.iter().find_map(|h| h.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8(body).unwrap();
            let signed = headers.iter().find_map(|h| h.strip_prefix("WorkOS-Signature: ")).unwrap().to_owned();
            let t: i64 = signed.strip_prefix("t=").unwrap().split(',').next().unwrap().parse().unwrap();
            assert_eq!(signed, signature("whsec_test", t, &body));
            seen.push(serde_json::from_slice::<Value>(body.as_bytes()).unwrap());
            write!(stream, "HTTP/1.1 {answer}\r\nContent-Length: 0\r\n\r\n").unwrap();
        }
        assert_eq!(seen[0]["id"], seen[1]["id"], "a retry delivers the same event");
        assert_eq!(seen[0]["event"], "user.deleted");
        assert_eq!(seen[0]["data"]["id"], "user_01X");
        // The log catches up once the thread has recorded the second answer.
        for _ in 0..100 {
            if hooks.status()["deliveries"][0]["delivered"] == true {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let delivery = &hooks.status()["deliveries"][0];
        assert_eq!((delivery["status"].clone(), delivery["attempts"].clone()), (json!(200), json!(2)));
    }
}
