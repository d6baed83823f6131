//! The HTTP side: accepts connections with tiny_http and hands each request
//! to its own thread, so a request hanging in `timeout` outage mode (or a
//! slow key rotation) never holds up the others.

use std::io::Read as _;
use std::sync::Arc;
use std::time::Instant;

use super::routes::{self, State};

/// Bodies are tiny JSON documents; anything bigger is a mistake.
const MAX_BODY_BYTES: u64 = 64 * 1024;

/// Binds 127.0.0.1 only: this is a development tool with no auth on /__dev/.
/// Port 0 picks a free port; the chosen one is returned.
pub fn bind(port: u16) -> Result<(tiny_http::Server, u16), String> {
    let server =
        tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = server.server_addr().to_ip().map(|a| a.port()).ok_or("listening address is not an IP address")?;
    Ok((server, port))
}

/// Serves forever.
pub fn serve(server: tiny_http::Server, state: Arc<State>) {
    for request in server.incoming_requests() {
        let state = Arc::clone(&state);
        std::thread::spawn(move || respond(request, &state));
    }
}

fn respond(mut request: tiny_http::Request, state: &State) {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let url = request.url().to_string();
    let authorization =
        request.headers().iter().find(|h| h.field.equiv("Authorization")).map(|h| h.value.as_str().to_string());

    let mut body = Vec::new();
    let read = request.as_reader().take(MAX_BODY_BYTES + 1).read_to_end(&mut body);
    let reply = match read {
        Err(e) => routes::Reply {
            status: 400,
            body: serde_json::json!({ "message": format!("Cannot read body: {e}") }),
            ..routes::Reply::default()
        },
        Ok(_) if body.len() as u64 > MAX_BODY_BYTES => routes::Reply {
            status: 413,
            body: serde_json::json!({ "message": "Body too large" }),
            ..routes::Reply::default()
        },
        Ok(_) => routes::handle(
            state,
            &routes::Request { method: &method, url: &url, authorization: authorization.as_deref(), body: &body },
        ),
    };

    let (text, content_type) = match &reply.html {
        Some(html) => (html.clone(), "text/html; charset=utf-8"),
        None => (serde_json::to_string(&reply.body).expect("JSON values always serialise"), "application/json"),
    };
    let header = |name: &str, value: &str| tiny_http::Header::from_bytes(name, value).expect("header is valid");
    let mut response = tiny_http::Response::from_string(text)
        .with_status_code(reply.status)
        .with_header(header("Content-Type", content_type));
    for (name, value) in &reply.headers {
        response.add_header(header(name, value));
    }
    // The client may have hung up (e.g. it timed out during a simulated
    // outage); that's expected, so just note it.
    let outcome = match request.respond(response) {
        Ok(()) => String::new(),
        Err(e) => format!(" (client gone: {e})"),
    };
    eprintln!("{method} {url} -> {} in {} ms{outcome}", reply.status, started.elapsed().as_millis());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_state;
    use std::io::Write as _;
    use std::net::TcpStream;
    use std::time::Duration;

    /// Minimal HTTP/1.1 client: returns (status, body).
    fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"));
        (status, body.to_string())
    }

    #[test]
    fn serves_over_http_and_a_hanging_request_does_not_block_others() {
        let (server, port) = bind(0).unwrap();
        assert_ne!(port, 0);
        let state = Arc::new(test_state());
        let delay = state.config.timeout_delay;
        std::thread::spawn(move || serve(server, state));

        let (status, body) = http(port, "GET", "/sso/jwks/client_test", "");
        assert_eq!(status, 200);
        assert!(body.contains("\"keys\""));

        assert_eq!(http(port, "POST", "/__dev/outage", r#"{"mode":"timeout"}"#).0, 200);
        let started = Instant::now();
        let hanging = std::thread::spawn(move || http(port, "GET", "/sso/jwks/client_test", ""));
        // Give the hanging request time to arrive, then check others still
        // get answered well before it does.
        std::thread::sleep(Duration::from_millis(50));
        let (status, _) = http(port, "GET", "/__dev/stats", "");
        assert_eq!(status, 200);
        assert!(started.elapsed() < delay, "stats waited for the hanging request");
        assert_eq!(hanging.join().unwrap().0, 503);
        assert!(started.elapsed() >= delay);

        assert_eq!(http(port, "POST", "/__dev/tokens", "{oops").0, 400);
        assert_eq!(http(port, "GET", "/missing", "").0, 404);
    }
}
