//! The wasm shell's adapters, run under Node with wasm-bindgen-test: conversions between the
//! Workers runtime's types and the core's plain values.
#![cfg(target_arch = "wasm32")]

use edge_auth::http::{ApiResponse, Method};
use edge_auth::platform::{Database, DatabaseErrorKind, Row, RowExt, SqlValue, Statement};
use edge_auth::shell::d1::D1Adapter;
use edge_auth::shell::js_text::utf8_bytes;
use edge_auth::shell::request::{from_worker_request, head_of, into_worker_response};
use wasm_bindgen_test::wasm_bindgen_test;
use worker::{Headers, Method as WorkerMethod, Request, RequestInit};

/// The shell's reading of a request, as the fetch handler does it.
async fn convert(request: worker::web_sys::Request) -> Result<edge_auth::http::ApiRequest, edge_auth::http::ApiError> {
    let head = head_of(&request);
    from_worker_request(request, head, "req_test".into()).await
}

/// The headers the worker reads (`HEADERS_READ`) come in with lower-case names, a repeated one's
/// values joined; the others stay out of the wasm.
#[wasm_bindgen_test]
fn the_headers_the_worker_reads_come_in_with_lower_case_names_and_no_others() {
    let make = js_sys::Function::new_no_args(
        "return new Request('https://edge.example.com/', { headers: {
           'Authorization': 'Bearer abc', 'User-Agent': 'say \"hi\" ünï', 'Accept': 'a', 'accept': 'b',
           'X-Other': 'not read', 'Accept-Encoding': 'gzip', 'CF-Ray': '8c3f-LHR' } });",
    );
    let request: worker::web_sys::Request =
        wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap());
    let mut headers = head_of(&request).headers;
    headers.sort();
    let expected =
        [("accept", "a, b"), ("authorization", "Bearer abc"), ("cf-ray", "8c3f-LHR"), ("user-agent", "say \"hi\" ünï")];
    assert_eq!(headers, expected.map(|(name, value)| (name.to_owned(), value.to_owned())));
    assert!(headers.iter().all(|(name, _)| edge_auth::http::request::HEADERS_READ.contains(&name.as_str())));
}

/// A GET is read for fewer headers than a POST (`Method::headers_read`): not its body's type or
/// length, not `referer`, not a webhook's signature; a method the API does not name, for all.
#[wasm_bindgen_test]
fn a_get_is_read_for_fewer_headers_than_a_post() {
    let names_read = |method: &str| {
        let make = js_sys::Function::new_no_args(&format!(
            "return new Request('https://edge.example.com/v1/orgs', {{ method: '{method}', headers: {{
               'Authorization': 'Bearer abc', 'Content-Type': 'application/json', 'Referer': 'https://app.example/',
               'WorkOS-Signature': 't=1, v1=00', 'Origin': 'https://app.example' }} }});"
        ));
        let request: worker::web_sys::Request =
            wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap());
        let mut names: Vec<String> = head_of(&request).headers.into_iter().map(|(name, _)| name).collect();
        names.sort();
        names
    };
    assert_eq!(names_read("GET"), ["authorization", "origin"]);
    let every = ["authorization", "content-type", "origin", "referer", "workos-signature"];
    assert_eq!(names_read("POST"), every);
    assert_eq!(names_read("PROPFIND"), every);
}

/// The shell reads a request's method, URL and headers as lines of one text (`intake.js`), with
/// no escaping: the runtime lets none of them hold a line break.
#[wasm_bindgen_test]
fn a_requests_head_holds_no_line_break_for_the_lines_to_split_at() {
    let run = |source: &str| js_sys::Function::new_no_args(source).call0(&wasm_bindgen::JsValue::NULL);
    assert!(run("return new Headers({ 'x-a': 'one\\ntwo' });").is_err(), "a value with a line feed");
    assert!(run("return new Headers({ 'x-a': 'one\\rtwo' });").is_err(), "a value with a carriage return");
    assert!(run("return new Headers({ 'x\\na': 'one' });").is_err(), "a name with a line feed");
    let request: worker::web_sys::Request = wasm_bindgen::JsCast::unchecked_into(
        run("return new Request('https://edge.example.com/v1/\\norgs?a=\\n1', { method: 'POST', headers: { 'Origin': ' padded ' } });")
            .unwrap(),
    );
    let head = head_of(&request);
    assert_eq!((head.method.as_str(), head.url.as_str()), ("POST", "https://edge.example.com/v1/orgs?a=1"));
    assert_eq!(head.headers, [("origin".to_owned(), "padded".to_owned())]);
}

/// A JS string's bytes as the shell reads a long text: UTF-8, a lone surrogate (which no UTF-8
/// can hold) as U+FFFD, as wasm-bindgen's own conversion makes it.
#[wasm_bindgen_test]
fn a_js_strings_utf8_bytes_come_across_whole() {
    let text = |source: &str| -> js_sys::JsString {
        wasm_bindgen::JsCast::unchecked_into(
            js_sys::Function::new_no_args(source).call0(&wasm_bindgen::JsValue::NULL).unwrap(),
        )
    };
    assert_eq!(utf8_bytes(&text("return '';")), b"");
    assert_eq!(utf8_bytes(&text("return 'Bearer abc';")), b"Bearer abc");
    let mixed = text("return 'ünï \\u{1F600} \\uD800!' + 'x'.repeat(3000);");
    let expected = format!("ünï \u{1F600} \u{FFFD}!{}", "x".repeat(3000));
    assert_eq!(utf8_bytes(&mixed), expected.as_bytes());
    assert_eq!(String::from(mixed).as_bytes(), expected.as_bytes(), "wasm-bindgen's own conversion agrees");
}

/// An `env` whose `DB` binding plays D1's part in JS: it records what was prepared and bound (and
/// whether it was run by `batch` or by `raw`), and answers with `answer` (a JS expression of
/// `statements`, the bound ones) as D1's client does: `batch` with one result object per
/// statement, `meta` beside the rows; one statement's `raw({ columnNames: true })` with its column
/// names and then each row's values, throwing where its result failed.
fn env_with_d1(answer: &str) -> (worker::Env, js_sys::Array) {
    let seen = js_sys::Array::new();
    let make = js_sys::Function::new_with_args(
        "seen",
        &format!(
            "const answerTo = async (statements, via) => {{
               seen.push(...statements.map(({{ sql, params }}) => ({{ sql, params, via }})));
               return {answer};
             }};
             const raw = async function (options) {{
               const [result] = await answerTo([this], 'raw');
               if (result.error !== undefined) throw new Error(result.error);
               const rows = result.results ?? [];
               const columns = rows.length === 0 ? ['unread'] : Object.keys(rows[0]);
               return [...(options?.columnNames ? [columns] : []), ...rows.map(Object.values)];
             }};
             return {{ DB: {{
               prepare: (sql) => ({{ bind: (...params) => ({{ sql, params, raw }}) }}),
               batch: (statements) => answerTo(statements, 'batch'),
             }} }};"
        ),
    );
    let env = make.call1(&wasm_bindgen::JsValue::NULL, &seen).unwrap();
    (wasm_bindgen::JsCast::unchecked_into(env), seen)
}

fn d1(env: &worker::Env) -> D1Adapter {
    D1Adapter::new(env, "DB", std::rc::Rc::default()).unwrap()
}

/// The adapter's batch as the runtime runs it (`d1_batch.js`): every statement prepared and its
/// parameters bound as the JS values D1 takes; D1's answer read into each statement's rows.
#[wasm_bindgen_test]
async fn a_d1_batch_binds_js_values_and_its_answer_becomes_rows() {
    let (env, seen) = env_with_d1(
        "[{ success: true, meta: { duration: 0.123456, changes: 0 }, results: [
            { id: 'org_1', name: 'Ünïcødé \"quoted\"\\n', created_at: 1795305600123, deleted_at: null },
            { id: 'org_2', name: 'b', created_at: 5, deleted_at: 7 } ] },
          { success: true, meta: {}, results: [] },
          { success: true, meta: {} }]",
    );
    let statements = vec![
        Statement::new(
            "SELECT * FROM workspaces WHERE id = ?1 AND created_at > ?2 OR ?3",
            vec!["org_1".into(), SqlValue::Integer(1_795_305_600_123), SqlValue::Null],
        ),
        Statement::new("SELECT 1 -- \"quoted\"\n", vec![SqlValue::Text("line\nbreak \u{1F600}".into())]),
        Statement::new("DELETE FROM nothing", vec![]),
    ];
    let rows = d1(&env).batch(statements).await.unwrap();
    let bound = js_sys::JSON::stringify(&seen).unwrap().as_string().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(bound.as_bytes()).unwrap(),
        serde_json::json!([
            { "sql": "SELECT * FROM workspaces WHERE id = ?1 AND created_at > ?2 OR ?3", "params": ["org_1", 1_795_305_600_123_i64, null], "via": "batch" },
            { "sql": "SELECT 1 -- \"quoted\"\n", "params": ["line\nbreak \u{1F600}"], "via": "batch" },
            { "sql": "DELETE FROM nothing", "params": [], "via": "batch" },
        ])
    );
    assert_eq!(rows.len(), 3);
    let [first, second] = &rows[0][..] else { panic!("two rows: {rows:?}") };
    assert_eq!(&**first.columns(), ["id", "name", "created_at", "deleted_at"]);
    assert_eq!(
        first.values(),
        [
            serde_json::json!("org_1"),
            serde_json::json!("Ünïcødé \"quoted\"\n"),
            serde_json::json!(1_795_305_600_123_i64),
            serde_json::Value::Null
        ]
    );
    assert_eq!(first.text("name").unwrap(), "Ünïcødé \"quoted\"\n");
    assert_eq!(first.int("created_at").unwrap(), 1_795_305_600_123);
    assert_eq!(first.opt_int("deleted_at").unwrap(), None);
    assert_eq!((second.text("id").unwrap(), second.opt_int("deleted_at").unwrap()), ("org_2".to_owned(), Some(7)));
    assert!(rows[1].is_empty() && rows[2].is_empty(), "a statement without rows has none");
}

/// One statement goes to D1 as `raw()`, which answers its column names and then each row's values,
/// and its rows read as a batch's do; a statement without rows answers its column names alone.
#[wasm_bindgen_test]
async fn one_statement_is_run_raw_and_its_answer_becomes_rows() {
    let (env, seen) = env_with_d1(
        "[{ success: true, meta: {}, results: [
            { id: 'org_1', name: 'Ünïcødé \"quoted\"', created_at: 1795305600123, deleted_at: null },
            { id: 'org_2', name: 'b', created_at: 5, deleted_at: 7 } ] }]",
    );
    let statement = || Statement::new("SELECT * FROM workspaces WHERE id = ?1", vec!["org_1".into()]);
    let rows = d1(&env).batch(vec![statement()]).await.unwrap();
    let bound = js_sys::JSON::stringify(&seen).unwrap().as_string().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(bound.as_bytes()).unwrap(),
        serde_json::json!([{ "sql": "SELECT * FROM workspaces WHERE id = ?1", "params": ["org_1"], "via": "raw" }])
    );
    let [statement_rows] = &rows[..] else { panic!("one statement: {rows:?}") };
    let [first, second] = &statement_rows[..] else { panic!("two rows: {rows:?}") };
    assert_eq!(&**first.columns(), ["id", "name", "created_at", "deleted_at"]);
    assert_eq!(first.text("name").unwrap(), "Ünïcødé \"quoted\"");
    assert_eq!(first.int("created_at").unwrap(), 1_795_305_600_123);
    assert_eq!(first.opt_int("deleted_at").unwrap(), None);
    assert_eq!((second.text("id").unwrap(), second.opt_int("deleted_at").unwrap()), ("org_2".to_owned(), Some(7)));

    let (empty, _) = env_with_d1("[{ success: true, meta: {}, results: [] }]");
    assert_eq!(d1(&empty).batch(vec![statement()]).await.unwrap(), vec![Vec::<Row>::new()]);
}

/// A statement's SQL crosses into JS as text once per instance and as its number after that, and
/// D1 is given the text every time; a text written but never sent is not taken as sent.
#[wasm_bindgen_test]
async fn a_statements_sql_crosses_once_and_d1_gets_its_text_every_time() {
    const ONCE: &str = "SELECT 'crosses once' WHERE ?1";
    const UNSENT: &str = "SELECT 'written, not sent'";
    let first_sql = |statements: &[Statement]| -> Vec<serde_json::Value> {
        let text = D1Adapter::statements_text(statements);
        let parsed: Vec<Vec<serde_json::Value>> = serde_json::from_slice(text.text().as_bytes()).unwrap();
        parsed.into_iter().map(|statement| statement[0].clone()).collect()
    };
    let once = || Statement::new(ONCE, vec![SqlValue::Integer(1)]);
    let unsent = || Statement::new(UNSENT, vec![]);

    // Written twice without being sent, its text goes along both times.
    assert_eq!(first_sql(&[unsent()])[0], UNSENT);
    assert_eq!(first_sql(&[unsent()])[0], UNSENT);

    let (env, seen) = env_with_d1("statements.map(() => ({ success: true, meta: {}, results: [] }))");
    let text = D1Adapter::statements_text(&[once(), once()]);
    let [in_first_batch, again_in_it]: [Vec<serde_json::Value>; 2] =
        serde_json::from_slice(text.text().as_bytes()).unwrap();
    assert_eq!(in_first_batch[0], ONCE, "{in_first_batch:?}");
    let number = &in_first_batch[1];
    assert!(number.is_number() && again_in_it[0] == *number, "one number for one text: {again_in_it:?}");
    assert_eq!((&in_first_batch[2..], &again_in_it[1..]), (&[serde_json::json!(1)][..], &[serde_json::json!(1)][..]));
    d1(&env).batch(vec![once(), once()]).await.unwrap();
    let sent = first_sql(&[unsent(), once()]);
    assert!(sent[0] == UNSENT && sent[1] == *number, "{sent:?}");
    d1(&env).batch(vec![unsent(), once()]).await.unwrap();
    d1(&env).batch(vec![once()]).await.unwrap();

    let prepared: Vec<String> = (0..seen.length())
        .map(|at| js_sys::Reflect::get(&seen.get(at), &"sql".into()).unwrap().as_string().unwrap())
        .collect();
    assert_eq!(prepared, [ONCE, ONCE, UNSENT, ONCE, ONCE]);
}

/// A failed batch, rejected as D1 rejects one or answered with a failed statement: the driver's
/// message reaches the core, which classifies it.
#[wasm_bindgen_test]
async fn a_failed_d1_batch_is_a_database_error_with_d1s_message() {
    let statement = || vec![Statement::new("INSERT INTO workspaces (slug) VALUES (?1)", vec!["taken".into()])];
    let (rejecting, _) = env_with_d1(
        "(() => { throw new Error('D1_ERROR: UNIQUE constraint failed: workspaces.slug', { cause: new Error('SQLITE_CONSTRAINT') }); })()",
    );
    let error = d1(&rejecting).batch(statement()).await.unwrap_err();
    assert!(error.to_string().contains("UNIQUE constraint failed: workspaces.slug: SQLITE_CONSTRAINT"), "{error}");
    let (failing, _) =
        env_with_d1("[{ success: false, error: 'D1_ERROR: UNIQUE constraint failed: workspaces.slug' }]");
    let error = d1(&failing).batch(statement()).await.unwrap_err();
    assert!(error.to_string().contains("UNIQUE constraint failed: workspaces.slug"), "{error}");
    let (overloaded, _) = env_with_d1("(() => { throw new Error('D1_ERROR: Network connection lost.'); })()");
    let error = d1(&overloaded).batch(statement()).await.unwrap_err();
    assert_eq!(error.kind, DatabaseErrorKind::Unavailable, "a transient failure is the upstream's outage: {error}");
}

#[wasm_bindgen_test]
async fn a_worker_request_becomes_an_api_request() {
    let headers = Headers::new();
    headers.set("Authorization", "Bearer abc").unwrap();
    headers.set("Content-Type", "application/json").unwrap();
    let mut init = RequestInit::new();
    init.with_method(WorkerMethod::Post).with_headers(headers).with_body(Some("{\"a\":1}".into()));
    let request = Request::new_with_init("https://edge.example.com/v1/orgs?limit=5", &init).unwrap();
    let api = convert(Clone::clone(request.inner())).await.unwrap();
    assert_eq!(api.method, Method::Post);
    assert_eq!(api.path, "/v1/orgs");
    assert_eq!(api.query, "limit=5");
    assert_eq!(api.header("authorization"), Some("Bearer abc"));
    assert_eq!(api.body, b"{\"a\":1}");
    assert_eq!(&*api.request_id, "req_test");
    assert_eq!(api.origin, "https://edge.example.com");
}

/// The runtime decodes `request.cf` from JSON when it is first read: a cost on every request for
/// a value the worker never uses. The request here counts reads of it.
#[wasm_bindgen_test]
async fn the_shell_never_reads_the_requests_cf_properties() {
    let make = js_sys::Function::new_no_args(
        "globalThis.__cfReads = 0;
         const request = new Request('https://edge.example.com/v1/orgs/org_1', { method: 'POST', body: '{}' });
         Object.defineProperty(request, 'cf', { get() { globalThis.__cfReads++; return {}; } });
         return request;",
    );
    let request: worker::web_sys::Request =
        wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap());
    let api = convert(request).await.unwrap();
    assert_eq!((api.path.as_str(), api.body.as_slice()), ("/v1/orgs/org_1", b"{}".as_slice()));
    let reads = js_sys::Reflect::get(&js_sys::global(), &"__cfReads".into()).unwrap().as_f64().unwrap();
    assert_eq!(reads, 0.0);
}

#[wasm_bindgen_test]
async fn an_oversized_body_is_refused_by_the_shell() {
    let mut init = RequestInit::new();
    init.with_method(WorkerMethod::Post).with_body(Some("x".repeat(20_000).into()));
    let request = Request::new_with_init("https://edge.example.com/v1/orgs", &init).unwrap();
    let error = convert(Clone::clone(request.inner())).await.unwrap_err();
    assert_eq!(error.status, 413);
}

#[wasm_bindgen_test]
async fn an_api_response_becomes_a_worker_response() {
    let mut response = ApiResponse::json(201, &serde_json::json!({ "ok": true }));
    response.headers.push(("www-authenticate".into(), "Bearer \"quoted\"".into()));
    response.headers.push(("set-cookie".into(), "a=1; Path=/".into()));
    response.headers.push(("set-cookie".into(), "b=2; Path=/".into()));
    let worker_response = into_worker_response(response);
    assert_eq!(worker_response.status(), 201);
    assert_eq!(worker_response.headers().get("www-authenticate").unwrap().as_deref(), Some("Bearer \"quoted\""));
    // Both cookies are kept (joined when read back this way).
    assert_eq!(worker_response.headers().get("set-cookie").unwrap().as_deref(), Some("a=1; Path=/, b=2; Path=/"));
    let text = wasm_bindgen_futures::JsFuture::from(worker_response.text().unwrap()).await.unwrap();
    assert_eq!(text.as_string().as_deref(), Some("{\"ok\":true}"));
}

#[wasm_bindgen_test]
async fn every_header_of_a_response_without_repeated_names_arrives() {
    let mut response = ApiResponse::json(200, &serde_json::json!({ "ok": true }));
    response.headers.push(("vary".into(), "Origin".into()));
    response.headers.push(("set-cookie".into(), "a=1; Path=/".into()));
    let worker_response = into_worker_response(response);
    let headers = worker_response.headers();
    assert_eq!(headers.get("content-type").unwrap().as_deref(), Some("application/json; charset=utf-8"));
    assert_eq!(headers.get("vary").unwrap().as_deref(), Some("Origin"));
    assert_eq!(headers.get("set-cookie").unwrap().as_deref(), Some("a=1; Path=/"));
}

/// The shell hands a response's headers to the runtime as lines (`response.js`): a value holding a
/// line break could pass a header of its own. It is refused, as the runtime refuses one.
#[wasm_bindgen_test]
async fn a_header_value_with_a_line_break_smuggles_no_header() {
    let mut response = ApiResponse::json(200, &serde_json::json!({ "ok": true }));
    response.headers.push(("location".into(), "/next\nset-cookie\nsession=stolen".into()));
    let worker_response = into_worker_response(response);
    assert_eq!(worker_response.status(), 500);
    assert_eq!(worker_response.headers().get("set-cookie").unwrap(), None);
    assert_eq!(worker_response.headers().get("location").unwrap(), None);
    let mut response = ApiResponse::json(200, &serde_json::json!({ "ok": true }));
    response.headers.push(("x-a".into(), "one\rtwo".into()));
    assert_eq!(into_worker_response(response).status(), 500, "the runtime's own refusal of a carriage return");
}

#[wasm_bindgen_test]
async fn an_empty_api_response_becomes_a_response_without_a_body() {
    let worker_response = into_worker_response(ApiResponse::empty(204));
    assert_eq!(worker_response.status(), 204);
    assert!(worker_response.body().is_none());
}

/// A request built in JavaScript whose body is an endless stream of 1 KB chunks, sent without
/// `Content-Length`; `globalThis.__pulled` counts the chunks the runtime was asked for.
fn endless_chunked_request() -> worker::web_sys::Request {
    let make = js_sys::Function::new_no_args(
        "globalThis.__pulled = 0;
         const body = new ReadableStream({ pull(c) { globalThis.__pulled++; c.enqueue(new Uint8Array(1024)); } });
         return new Request('https://edge.example.com/v1/orgs', { method: 'POST', body, duplex: 'half' });",
    );
    wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap())
}

#[wasm_bindgen_test]
async fn a_chunked_body_without_length_is_refused_at_the_cap_not_read_whole() {
    let request = endless_chunked_request();
    assert_eq!(request.headers().get("content-length").unwrap(), None);
    let error = convert(request).await.unwrap_err();
    assert_eq!((error.status, error.code.as_str()), (413, "payload_too_large"));
    let pulled = js_sys::Reflect::get(&js_sys::global(), &"__pulled".into()).unwrap().as_f64().unwrap();
    // The stream may read ahead a little (its high-water mark); an endless body is never read whole.
    assert!(pulled <= 24.0, "{pulled} chunks pulled for a 16 KB cap");
}

/// A fetch event's context as the runtime passes it: `waitUntil` keeps the promises it is given
/// in `globalThis.__kept`.
fn recording_context() -> worker::worker_sys::Context {
    let make = js_sys::Function::new_no_args(
        "globalThis.__kept = []; return { waitUntil(promise) { globalThis.__kept.push(promise); } };",
    );
    wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap())
}

fn kept_promises() -> js_sys::Array {
    wasm_bindgen::JsCast::unchecked_into(js_sys::Reflect::get(&js_sys::global(), &"__kept".into()).unwrap())
}

#[wasm_bindgen_test]
async fn a_requests_work_outlives_an_abandoned_answer() {
    use std::{cell::Cell, rc::Rc};
    let context = recording_context();
    // Work that waits on I/O (a promise resolved later), then writes.
    let (release, released) = futures::channel::oneshot::channel::<()>();
    let written = Rc::new(Cell::new(false));
    let answer = edge_auth::shell::run_to_completion(&context, {
        let written = written.clone();
        async move {
            released.await.unwrap();
            written.set(true);
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        }
    });
    // The client leaves: the runtime never waits for the handler's answer.
    drop(answer);
    release.send(()).unwrap();
    let kept = kept_promises();
    assert_eq!(kept.length(), 1, "the work is registered with waitUntil");
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(kept.get(0))).await.unwrap();
    assert!(written.get(), "the write happened though nobody waited for the answer");
}

#[wasm_bindgen_test]
async fn a_requests_answer_is_its_works_output() {
    let context = recording_context();
    let answer = edge_auth::shell::run_to_completion(&context, async { Ok(7.into()) });
    assert_eq!(wasm_bindgen_futures::JsFuture::from(answer).await.unwrap().as_f64(), Some(7.0));
    assert_eq!(kept_promises().length(), 1);
}

#[wasm_bindgen_test]
async fn a_requests_failed_work_rejects_its_answer() {
    let context = recording_context();
    let answer = edge_auth::shell::run_to_completion(&context, async { Err("broken".into()) });
    let error = wasm_bindgen_futures::JsFuture::from(answer).await.unwrap_err();
    assert_eq!(error.as_string().as_deref(), Some("broken"));
}

/// The outbound fetch adapter against a `data:` URL (Node's fetch answers those itself).
#[wasm_bindgen_test]
async fn an_outbound_fetch_returns_status_and_body_and_enforces_the_cap() {
    use edge_auth::platform::{FetchError, HttpClient, HttpGet};
    // Workers' setTimeout answers a number, as the adapter's timer expects; Node's an object.
    js_sys::Function::new_no_args(
        "if (!globalThis.__numericTimers) { const set = globalThis.setTimeout; \
         globalThis.setTimeout = (f, ms) => Number(set(f, ms)); globalThis.__numericTimers = true; }",
    )
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
    let get = |max_body_bytes| HttpGet {
        url: "data:application/json,%7B%22ok%22%3Atrue%7D",
        headers: vec![("accept", "application/json".to_owned())],
        timeout_ms: 5_000,
        max_body_bytes,
    };
    let reply = edge_auth::shell::FetchAdapter::default().get(get(1024)).await.unwrap();
    assert_eq!(
        (reply.status, reply.body.as_slice(), reply.retry_after_seconds),
        (200, b"{\"ok\":true}".as_slice(), None)
    );
    let refused = edge_auth::shell::FetchAdapter::default().get(get(4)).await.unwrap_err();
    assert!(matches!(refused, FetchError::BodyTooLarge), "{refused:?}");
    let unreachable =
        edge_auth::shell::FetchAdapter::default().get(HttpGet { url: "not a url", ..get(1024) }).await.unwrap_err();
    assert!(matches!(unreachable, FetchError::Network(_)), "{unreachable:?}");
}

/// What a benchmark build reports in `Server-Timing`: waits made together count once, and
/// each binding's separately.
#[cfg(feature = "bench-routes")]
#[wasm_bindgen_test]
async fn waits_made_together_count_once() {
    use edge_auth::shell::Waits;
    let timer = js_sys::Function::new_with_args("ms", "return new Promise((done) => setTimeout(done, ms))");
    let sleep = |ms: u32| {
        let promise: js_sys::Promise = timer.call1(&wasm_bindgen::JsValue::NULL, &ms.into()).unwrap().into();
        wasm_bindgen_futures::JsFuture::from(promise)
    };
    let waits = Waits::default();
    let (first, second) =
        futures::future::join(Waits::time(&waits.kv, sleep(60)), Waits::time(&waits.kv, sleep(60))).await;
    assert!(first.is_ok() && second.is_ok() && Waits::time(&waits.d1, sleep(30)).await.is_ok());
    let header = waits.server_timing(100.0);
    let duration = |name: &str| -> f64 {
        let entry = header.split(", ").find(|entry| entry.starts_with(&format!("{name};"))).unwrap();
        entry.split(";dur=").nth(1).unwrap().parse().unwrap()
    };
    // Date.now() counts whole milliseconds, and a timer of n ms can end n − 1 of them after it
    // was set: the lower bounds allow 2 ms of that. Two 60 ms waits counted apart would be 120.
    assert!((58.0..110.0).contains(&duration("kv")), "{header}");
    assert!((28.0..80.0).contains(&duration("d1")), "{header}");
    assert_eq!((duration("fetch"), duration("total")), (0.0, 100.0), "{header}");
}

/// The KV adapter against an object shaped like a KV namespace binding, which records what it
/// is asked: text in, text out, and a TTL of at least the 60 seconds KV accepts.
#[wasm_bindgen_test]
async fn the_kv_adapter_reads_and_writes_text_with_an_expiry() {
    use edge_auth::platform::KeyValueStore;
    use edge_auth::shell::{KvAdapter, Waits};
    use std::rc::Rc;
    let make = js_sys::Function::new_no_args(
        "const values = new Map(); globalThis.__kvPuts = []; \
         return { KV: { \
           get(key, kind) { if (kind !== 'text') throw new Error('kind ' + kind); \
                            if (key === 'broken') return Promise.reject(new Error('KV is down')); \
                            return Promise.resolve(values.has(key) ? values.get(key) : null); }, \
           put(key, value, options) { globalThis.__kvPuts.push([key, typeof value, options.expirationTtl]); \
                                      values.set(key, value); return Promise.resolve(undefined); } } };",
    );
    let env: worker::Env = wasm_bindgen::JsCast::unchecked_into(make.call0(&wasm_bindgen::JsValue::NULL).unwrap());
    let kv = KvAdapter::new(&env, "KV", None, Rc::new(Waits::default()));
    assert_eq!(kv.get("k").await.unwrap(), None);
    kv.put("k", "välue", 5).await.unwrap();
    kv.put("l", "x", 3600).await.unwrap();
    assert_eq!(kv.get("k").await.unwrap().as_deref(), Some("välue"));
    let puts = js_sys::Reflect::get(&js_sys::global(), &"__kvPuts".into()).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&puts).unwrap().as_string().unwrap(),
        r#"[["k","string",60],["l","string",3600]]"#
    );
    assert!(kv.get("broken").await.unwrap_err().0.contains("KV is down"));
    let missing = KvAdapter::new(&env, "NO_SUCH_BINDING", None, Rc::new(Waits::default()));
    assert!(missing.get("k").await.is_err() && missing.put("k", "v", 60).await.is_err());
}
