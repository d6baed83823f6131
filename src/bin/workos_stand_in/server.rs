//! The HTTP side: a small HTTP/1.1 server on std's sockets. Each connection gets its own thread
//! and keeps its requests in order (keep-alive, as browsers and workerd use it), so a request
//! hanging in `timeout` outage mode (or a slow key rotation) holds up only its own connection.
//!
//! Not tiny_http, which this used before: its pool of connection threads can lose a wake-up when
//! two connections arrive together, and the second then waits until another keep-alive connection
//! closes. Three browser tabs signing in at once saw one tab's request sit there for ~6 s, past the
//! worker's timeout for the code exchange behind it.

use std::io::{BufRead, BufReader, Read as _, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::routes::{self, State};

/// Bodies are tiny JSON documents or forms; anything bigger is a mistake.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// The request line and headers together; a browser's are a few KB.
const MAX_HEAD_BYTES: u64 = 32 * 1024;
/// How long an idle keep-alive connection is kept open (and how long a request may take to
/// arrive); long enough that clients close first, short enough that abandoned ones go.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Binds 127.0.0.1 only: this is a development tool with no auth on /__dev/.
/// Port 0 picks a free port; the chosen one is returned.
pub fn bind(port: u16) -> Result<(TcpListener, u16), String> {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("no local address: {e}"))?.port();
    Ok((listener, port))
}

/// Serves forever.
pub fn serve(listener: TcpListener, state: Arc<State>) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve_connection(stream, &state));
            }
            Err(e) => eprintln!("workos-stand-in: accepting a connection failed: {e}"),
        }
    }
}

/// A request as read off the wire.
struct Incoming {
    method: String,
    url: String,
    authorization: Option<String>,
    body: Vec<u8>,
    keep_alive: bool,
}

/// Why a request could not be read: answered with this status, then the connection is closed
/// (where the next request would start is unknown).
struct Unreadable {
    status: u16,
    message: &'static str,
}

/// Answers the connection's requests in order until either side closes it.
fn serve_connection(stream: TcpStream, state: &State) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let started = Instant::now();
        let incoming = match read_request(&mut reader, &mut writer) {
            Ok(Some(incoming)) => incoming,
            Ok(None) => return,
            Err(Unreadable { status, message }) => {
                let _ = write_reply(&mut writer, &routes::message(status, message), false);
                eprintln!("(unreadable request) -> {status}: {message}");
                return;
            }
        };
        let request = routes::Request {
            method: &incoming.method,
            url: &incoming.url,
            authorization: incoming.authorization.as_deref(),
            body: &incoming.body,
        };
        // A bug in a route answers 500 (its panic message is on stderr) rather than leave the
        // client waiting on a connection whose thread is gone.
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| routes::handle(state, &request)))
            .unwrap_or_else(|_| routes::message(500, "The stand-in failed on this request"));
        // The client may have hung up (e.g. it timed out during a simulated outage); that's
        // expected, so just note it.
        let outcome = match write_reply(&mut writer, &reply, incoming.keep_alive) {
            Ok(()) => String::new(),
            Err(e) => format!(" (client gone: {e})"),
        };
        eprintln!(
            "{} {} -> {} in {} ms{outcome}",
            incoming.method,
            incoming.url,
            reply.status,
            started.elapsed().as_millis()
        );
        if !outcome.is_empty() || !incoming.keep_alive {
            return;
        }
    }
}

/// The next request on the connection, `None` once the client has closed it (or left it idle).
fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Result<Option<Incoming>, Unreadable> {
    const MALFORMED: Unreadable = Unreadable { status: 400, message: "Malformed request" };
    const TOO_LARGE: Unreadable = Unreadable { status: 431, message: "Request head too large" };
    let mut head = reader.by_ref().take(MAX_HEAD_BYTES);
    let mut line = String::new();
    // A client may send empty lines between requests (RFC 9112, section 2.2).
    let request_line = loop {
        line.clear();
        match head.read_line(&mut line) {
            Ok(0) | Err(_) if line.is_empty() => return Ok(None),
            Ok(_) if !line.ends_with('\n') => return Err(if head.limit() == 0 { TOO_LARGE } else { MALFORMED }),
            Ok(_) if line.trim().is_empty() => continue,
            Ok(_) => break line.trim_end().to_owned(),
            Err(_) => return Err(MALFORMED),
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(url), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") || method.is_empty() || !url.starts_with('/') {
        return Err(MALFORMED);
    }

    let mut authorization = None;
    let mut content_length = None;
    let mut connection = String::new();
    let mut expects_continue = false;
    loop {
        line.clear();
        match head.read_line(&mut line) {
            Ok(_) if !line.ends_with('\n') => return Err(if head.limit() == 0 { TOO_LARGE } else { MALFORMED }),
            Ok(_) => {}
            Err(_) => return Err(MALFORMED),
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').ok_or(MALFORMED)?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value.to_owned()),
            "content-length" => match value.parse::<usize>() {
                Ok(length) if content_length.is_none_or(|earlier| earlier == length) => content_length = Some(length),
                _ => return Err(MALFORMED),
            },
            // Every client of the stand-in sends its small bodies with a length.
            "transfer-encoding" => {
                return Err(Unreadable { status: 411, message: "Send the body with a Content-Length" })
            }
            "connection" => connection = value.to_ascii_lowercase(),
            "expect" => expects_continue = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }

    let length = content_length.unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return Err(Unreadable { status: 413, message: "Body too large" });
    }
    if expects_continue && length > 0 {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| MALFORMED)?;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|_| Unreadable { status: 400, message: "Cannot read body" })?;

    let keep_alive = match version {
        "HTTP/1.1" => !connection.contains("close"),
        _ => connection.contains("keep-alive"),
    };
    Ok(Some(Incoming { method: method.to_owned(), url: url.to_owned(), authorization, body, keep_alive }))
}

fn write_reply(writer: &mut TcpStream, reply: &routes::Reply, keep_alive: bool) -> std::io::Result<()> {
    // A header value is written as it is, so one that could end the line (a redirect built from
    // a query parameter) must never reach the wire.
    let breaks_line = |text: &str| text.contains(['\r', '\n']);
    if reply.headers.iter().any(|(name, value)| breaks_line(name) || breaks_line(value)) {
        let refusal = routes::message(400, "A header value would contain a line break");
        return write_reply(writer, &refusal, keep_alive);
    }
    let (text, content_type) = match &reply.html {
        Some(html) => (html.clone(), "text/html; charset=utf-8"),
        None => (serde_json::to_string(&reply.body).expect("JSON values always serialise"), "application/json"),
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        text.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(text.as_bytes())?;
    writer.flush()
}

/// The reason phrase of the statuses the stand-in answers with (optional in HTTP/1.1).
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_state;

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
        let (port, state) = serving();
        assert_ne!(port, 0);
        let delay = state.config.timeout_delay;

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

    fn serving() -> (u16, Arc<State>) {
        let (listener, port) = bind(0).unwrap();
        let state = Arc::new(test_state());
        let served = Arc::clone(&state);
        std::thread::spawn(move || serve(listener, served));
        (port, state)
    }

    /// Sends `raw` on `stream` and reads one response: (status, head, body).
    fn exchange(stream: &mut TcpStream, raw: &str) -> (u16, String, String) {
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            assert_ne!(reader.read_line(&mut line).unwrap(), 0, "connection closed before the head ended");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .unwrap();
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        assert!(reader.buffer().is_empty(), "nothing after the body");
        (head[9..12].parse().unwrap(), head, String::from_utf8(body).unwrap())
    }

    fn connect(port: u16) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream
    }

    #[test]
    fn a_connection_is_kept_alive_for_the_next_request_until_the_client_closes_it() {
        let (port, _) = serving();
        let mut stream = connect(port);
        let (status, head, body) = exchange(&mut stream, "GET /sso/jwks/client_test HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(status, 200);
        assert!(!head.to_ascii_lowercase().contains("connection: close"), "{head}");
        assert!(body.contains("\"keys\""));
        let token = r#"{"email":"kept@example.com"}"#;
        let raw = format!("POST /__dev/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{token}", token.len());
        assert_eq!(exchange(&mut stream, &raw).0, 200, "a second request on the same connection");
        let (status, head, _) = exchange(&mut stream, "GET /missing HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert_eq!(status, 404);
        assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0, "closed after the client asked");
    }

    /// What tiny_http's pool of connection threads got wrong: with connections held open by their
    /// clients (a browser keeps several), a new connection must still be answered at once.
    #[test]
    fn connections_held_open_do_not_delay_new_ones() {
        let (port, _) = serving();
        for _ in 0..20 {
            let mut held: Vec<TcpStream> = (0..8).map(|_| connect(port)).collect();
            for stream in &mut held {
                assert_eq!(exchange(stream, "GET /__dev/stats HTTP/1.1\r\n\r\n").0, 200);
            }
            let started = Instant::now();
            let mut fresh = connect(port);
            assert_eq!(exchange(&mut fresh, "GET /__dev/stats HTTP/1.1\r\n\r\n").0, 200);
            assert!(started.elapsed() < Duration::from_secs(1), "a new connection waited {:?}", started.elapsed());
        }
    }

    #[test]
    fn requests_it_cannot_read_are_refused_with_a_status_and_the_connection_closed() {
        let (port, state) = serving();
        let chunked =
            "POST /user_management/authenticate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        let too_large =
            format!("POST /user_management/authenticate HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY_BYTES + 1);
        let huge_head = format!("GET / HTTP/1.1\r\nX-Filler: {}\r\n\r\n", "a".repeat(MAX_HEAD_BYTES as usize));
        let cases = [
            ("GET /__dev/stats HTTP/2.0\r\n\r\n".to_owned(), 400),
            ("GET\r\n\r\n".to_owned(), 400),
            ("GET /__dev/stats HTTP/1.1\r\nno colon here\r\n\r\n".to_owned(), 400),
            (
                "POST /user_management/authenticate HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
                    .to_owned(),
                400,
            ),
            (chunked.to_owned(), 411),
            (too_large, 413),
            (huge_head, 431),
        ];
        for (raw, expected) in cases {
            let mut stream = connect(port);
            let (status, head, body) = exchange(&mut stream, &raw);
            assert_eq!(status, expected, "{raw:.60}");
            assert!(body.contains("\"message\""), "{body}");
            assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
            let mut rest = Vec::new();
            assert_eq!(stream.read_to_end(&mut rest).unwrap_or(0), 0);
        }
        let stats = crate::routes::handle(
            &state,
            &crate::routes::Request { method: "GET", url: "/__dev/stats", authorization: None, body: b"" },
        );
        assert_eq!(stats.body["authenticate_requests"], 0, "no refused request reached its route");
    }

    #[test]
    fn a_client_that_expects_100_continue_is_told_to_send_its_body() {
        let (port, _) = serving();
        let mut stream = connect(port);
        let token = r#"{"email":"continue@example.com"}"#;
        write!(
            stream,
            "POST /__dev/tokens HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            token.len()
        )
        .unwrap();
        let mut interim = [0; 25];
        stream.read_exact(&mut interim).unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        assert_eq!(exchange(&mut stream, token).0, 200);
    }
}
