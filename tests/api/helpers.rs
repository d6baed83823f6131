//! `spawn_app()` gives a fresh database, KV, fake WorkOS and clock per test.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use edge_auth::app::{App, Isolate};
use edge_auth::config::Config;
use edge_auth::http::{ApiRequest, ApiResponse, Method};
use edge_auth::platform::{
    Database, DatabaseError, FetchError, HttpClient, HttpGet, HttpPost, HttpReply, KeyValueError, KeyValueStore,
    Platform, RateLimiter, Row, SqlValue, Statement, SIGN_IN_LIMIT_PERIOD_SECONDS,
};
use edge_auth::routes::handle;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

pub const CLIENT_ID: &str = "client_test";
pub const API_BASE: &str = "https://api.workos.test";
/// The AuthKit domain of the MCP tests.
pub const AUTHKIT: &str = "https://acme.authkit.test";
pub const WORKOS_API_KEY: &str = "sk_test_key";
/// 2026-11-22T00:00:00Z
pub const START_MS: i64 = 1_795_305_600_000;

// ---------------------------------------------------------------- SQLite as D1

/// Real SQLite with the project's migrations; `batch` is atomic like D1's.
pub struct SqliteDatabase {
    pub connection: rusqlite::Connection,
    pub round_trips: Cell<usize>,
    /// Statements sent, over all batches: each costs D1 a round of preparing and answering.
    pub statements: Cell<usize>,
    /// Makes the next batch fail with this driver message (D1's outages cannot run here).
    pub fail_next: RefCell<Option<String>>,
    /// Makes the next `n` batches with a statement whose SQL starts with the text fail with the
    /// message: (SQL start, message, n).
    pub fail_statement: RefCell<Option<(&'static str, String, usize)>>,
    /// SQL run just before every batch: another writer that is always one step ahead.
    pub before_each_batch: RefCell<Option<String>>,
}

/// `migrations/*.sql`, in the order they apply.
pub fn migration_files() -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths
}

impl SqliteDatabase {
    pub fn migrated() -> Self {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        // D1 enforces foreign keys on every query; so does the stand-in.
        connection.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        for migration in migration_files() {
            connection.execute_batch(&std::fs::read_to_string(&migration).unwrap()).unwrap();
        }
        Self {
            connection,
            round_trips: Cell::new(0),
            statements: Cell::new(0),
            fail_next: RefCell::new(None),
            fail_statement: RefCell::new(None),
            before_each_batch: RefCell::new(None),
        }
    }

    pub fn count(&self, table: &str) -> i64 {
        self.connection.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap()
    }

    pub fn scalar(&self, sql: &str) -> Value {
        self.connection
            .query_row(sql, [], |row| {
                Ok(match row.get_ref(0)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(i) => json!(i),
                    rusqlite::types::ValueRef::Real(f) => json!(f),
                    rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    rusqlite::types::ValueRef::Blob(_) => Value::Null,
                })
            })
            .unwrap()
    }

    /// Every row of a query, each as a JSON array of its columns.
    pub fn rows(&self, sql: &str) -> Vec<Value> {
        let mut statement = self.connection.prepare(sql).unwrap();
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => Value::Null,
                            rusqlite::types::ValueRef::Integer(v) => json!(v),
                            rusqlite::types::ValueRef::Real(v) => json!(v),
                            rusqlite::types::ValueRef::Text(v) => json!(String::from_utf8_lossy(v)),
                            rusqlite::types::ValueRef::Blob(_) => Value::Null,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn run(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, rusqlite::Error> {
        for statement in statements {
            check_query_plan_once(&self.connection, statement.sql);
        }
        let transaction = self.connection.unchecked_transaction()?;
        let mut results = Vec::new();
        for statement in statements {
            let mut prepared = transaction.prepare(statement.sql)?;
            let params: Vec<rusqlite::types::Value> = statement
                .params
                .iter()
                .map(|p| match p {
                    SqlValue::Null => rusqlite::types::Value::Null,
                    SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
                    SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
                })
                .collect();
            let names: std::rc::Rc<[String]> = prepared.column_names().iter().map(|s| s.to_string()).collect();
            let mut rows = prepared.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(names.len());
                for i in 0..names.len() {
                    values.push(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(v) => json!(v),
                        rusqlite::types::ValueRef::Real(v) => json!(v),
                        rusqlite::types::ValueRef::Text(v) => json!(String::from_utf8_lossy(v)),
                        rusqlite::types::ValueRef::Blob(_) => Value::Null,
                    });
                }
                out.push(Row::new(std::rc::Rc::clone(&names), values).expect("a value per column"));
            }
            results.push(out);
        }
        transaction.commit()?;
        Ok(results)
    }
}

impl Database for SqliteDatabase {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, DatabaseError> {
        // A round trip is where concurrent requests interleave in D1; yielding here lets tests
        // that join several requests interleave them the same way.
        yield_now().await;
        self.round_trips.set(self.round_trips.get() + 1);
        self.statements.set(self.statements.get() + statements.len());
        if let Some(sql) = self.before_each_batch.borrow().as_deref() {
            self.connection.execute_batch(sql).unwrap();
        }
        if let Some(message) = self.fail_next.borrow_mut().take() {
            return Err(DatabaseError::from_driver(message));
        }
        if let Some((start, message, left)) = self.fail_statement.borrow_mut().as_mut() {
            if *left > 0 && statements.iter().any(|statement| statement.sql.starts_with(*start)) {
                *left -= 1;
                return Err(DatabaseError::from_driver(message.clone()));
            }
        }
        self.run(&statements).map_err(|e| DatabaseError::from_driver(e.to_string()))
    }
}

// ---------------------------------------------------------------- query plans

/// Every statement the worker runs, checked once each: its query plan may not scan a whole
/// table, since every table grows with users (users, workspaces, memberships, api_keys,
/// audit_events, callback_replays, and any table added later). A scan fails the test that ran
/// the statement, with the plan.
fn check_query_plan_once(connection: &rusqlite::Connection, sql: &'static str) {
    static CHECKED: OnceLock<Mutex<HashMap<&'static str, Result<(), String>>>> = OnceLock::new();
    let checked = CHECKED.get_or_init(Default::default);
    let verdict = checked.lock().unwrap().get(sql).cloned();
    let verdict = verdict.unwrap_or_else(|| {
        let verdict = full_scans(connection, sql);
        record_for_workerd_plans(sql);
        checked.lock().unwrap().insert(sql, verdict.clone());
        verdict
    });
    if let Err(plan) = verdict {
        panic!("a statement scans a whole table:\n{sql}\n{plan}");
    }
    if let Err(parameter) = parameters_hidden_from_the_planner(sql) {
        panic!("a statement shows its query planner the parameter {parameter} (write it `+{parameter}`):\n{sql}");
    }
}

/// `Err(parameter)` when `sql` writes a parameter bare where workerd's SQLite reads its bound value
/// to plan the statement, which makes it prepare the statement again on every run (the rule and
/// its cost: `src/store/sql_fragments.rs`): any parameter of a statement that joins tables, and
/// a `LIMIT`'s anywhere. Each must be written `+?N`. A join is recognised by its `JOIN`; one
/// written with a comma (`FROM a, b`), which workerd re-plans alike, is not, and none is written so.
pub fn parameters_hidden_from_the_planner(sql: &str) -> Result<(), String> {
    let joins = sql.contains(" JOIN ");
    let bytes = sql.as_bytes();
    for (at, _) in sql.match_indices('?') {
        let digits = sql[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
        let hidden = at > 0 && bytes[at - 1] == b'+';
        let after_limit = sql[..at].trim_end().ends_with("LIMIT");
        if !hidden && (joins || after_limit) {
            return Err(sql[at..at + 1 + digits].to_owned());
        }
    }
    Ok(())
}

/// The environment variable naming the directory where every statement checked here is also
/// written, one file each, for `tests/e2e/query_plans.test.mjs` to plan again in workerd's own
/// SQLite, which is D1's and not the one bundled here: the two can plan one statement differently.
/// (A workspace named by `id = ? OR slug = ?` was two index searches here and a scan of every
/// workspace there.) `npm test` names the directory (`WORKERD_PLANS_DIR` in
/// scripts/toolchain.mjs), empties it and passes it here; a `cargo test` run by hand, which runs
/// no e2e test, writes nothing. The e2e test fails when it finds too few statements.
pub const WORKERD_PLANS_DIR_VARIABLE: &str = "WORKERD_PLANS_DIR";

/// Writes `sql` into the directory [`WORKERD_PLANS_DIR_VARIABLE`] names, if it names one, as a
/// file named by its hash: tests run in parallel, and a statement written twice is the same file.
pub fn record_for_workerd_plans(sql: &str) {
    use std::hash::{Hash, Hasher};
    let Some(dir) = std::env::var_os(WORKERD_PLANS_DIR_VARIABLE) else {
        return;
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    sql.hash(&mut hasher);
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let name = format!("{:016x}", hasher.finish());
    // Written whole, then renamed: the e2e test never reads half a statement.
    let partial = dir.join(format!("{name}.{:?}.partial", std::thread::current().id()));
    std::fs::write(&partial, sql).unwrap();
    std::fs::rename(&partial, dir.join(format!("{name}.sql"))).unwrap();
}

/// `Err(plan)` when SQLite's plan for `sql` scans a table or a whole index.
pub fn full_scans(connection: &rusqlite::Connection, sql: &str) -> Result<(), String> {
    let mut explain = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Value::Null; explain.parameter_count()];
    let details: Vec<String> = explain
        .query_map(rusqlite::params_from_iter(nulls), |row| row.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    if details.iter().any(|detail| scans_a_table(detail)) {
        return Err(details.join("\n"));
    }
    Ok(())
}

/// Whether a line of a query plan scans a table or a whole index, by the rule in
/// `tests/plan_scan_rule.json`, which `tests/e2e/query_plans.test.mjs` applies to workerd's plans
/// too. A line that starts with `SCAN ` scans, unless what it scans is not a table: a constant
/// row, a subquery's result, a table-valued function over a parameter (`json_each(?)`, the pepper
/// ring).
fn scans_a_table(detail: &str) -> bool {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Rule {
        scan: String,
        not_tables: NotTables,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct NotTables {
        equal: Vec<String>,
        starts_with: Vec<String>,
        contains: Vec<String>,
    }
    static RULE: OnceLock<Rule> = OnceLock::new();
    let rule = RULE.get_or_init(|| serde_json::from_slice(include_bytes!("../plan_scan_rule.json")).unwrap());
    let not_tables = &rule.not_tables;
    detail.starts_with(&rule.scan)
        && !not_tables.equal.iter().any(|line| detail == line)
        && !not_tables.starts_with.iter().any(|start| detail.starts_with(start.as_str()))
        && !not_tables.contains.iter().any(|part| detail.contains(part.as_str()))
}

/// Returns Pending once, so that a joined future gets its turn.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

// ---------------------------------------------------------------- KV

#[derive(Default)]
pub struct MemoryKv {
    pub entries: RefCell<HashMap<String, String>>,
    pub reads: Cell<usize>,
    /// Reads waiting for their answer now, and the most there ever were at once.
    in_flight: Cell<usize>,
    pub most_reads_at_once: Cell<usize>,
    /// KV failing: every awaited read and write is refused.
    pub down: Cell<bool>,
}

impl KeyValueStore for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KeyValueError> {
        // A KV read is an await in a Worker: concurrent requests interleave there too, each with
        // the value as it was when it asked.
        self.reads.set(self.reads.get() + 1);
        if self.down.get() {
            return Err(KeyValueError("KV GET failed: 503 Service Unavailable".into()));
        }
        let value = self.entries.borrow().get(key).cloned();
        self.in_flight.set(self.in_flight.get() + 1);
        self.most_reads_at_once.set(self.most_reads_at_once.get().max(self.in_flight.get()));
        yield_now().await;
        self.in_flight.set(self.in_flight.get() - 1);
        Ok(value)
    }
    async fn put(&self, key: &str, value: &str, _ttl_seconds: u64) -> Result<(), KeyValueError> {
        if self.down.get() {
            return Err(KeyValueError("KV PUT failed: 503 Service Unavailable".into()));
        }
        self.entries.borrow_mut().insert(key.to_owned(), value.to_owned());
        // An awaited write is an await in a Worker too.
        yield_now().await;
        Ok(())
    }
    /// At once: a test's next request comes after the answer, as `waitUntil`'s writes do.
    fn put_later(&self, key: &str, value: &str, _ttl_seconds: u64) {
        if self.down.get() {
            return; // the shell logs the failure
        }
        self.entries.borrow_mut().insert(key.to_owned(), value.to_owned());
    }
}

// ---------------------------------------------------------------- fake WorkOS

/// RSA keys are slow to generate; tests share a few.
pub fn test_key(index: usize) -> &'static RsaPrivateKey {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        (0..3).map(|_| RsaPrivateKey::new(&mut rng, 2048).unwrap()).collect()
    })[index]
}

pub fn small_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap())
}

pub fn jwk(kid: &str, key: &RsaPrivateKey) -> Value {
    json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outage {
    None,
    Unavailable,
    Timeout,
}

pub struct FakeWorkos {
    pub jwks: RefCell<Value>,
    pub users: RefCell<HashMap<String, String>>,
    /// Users whose email WorkOS has not verified (everyone else's is).
    pub unverified: RefCell<std::collections::HashSet<String>>,
    pub outage: Cell<Outage>,
    pub jwks_requests: Cell<usize>,
    pub user_requests: Cell<usize>,
    /// Requests to any URL but WorkOS's JWKS and user endpoints.
    pub unexpected_requests: Cell<usize>,
    /// Hosted sign-in: codes waiting (code → user id, PKCE challenge), sessions (sid → user id,
    /// live refresh token, revoked), what the refresh grant answers, and counts.
    pub codes: RefCell<HashMap<String, (String, String)>>,
    pub sessions: RefCell<HashMap<String, FakeSession>>,
    pub refresh_failure: Cell<RefreshFailure>,
    pub refresh_requests: Cell<usize>,
    /// Which of the shared test keys signs the access tokens it issues (`kid-1` is key 0).
    pub signing_key: Cell<usize>,
    /// How long a refresh takes: the shared clock moves on by this much while it is in flight,
    /// and other requests run meanwhile.
    pub refresh_takes_ms: Cell<i64>,
    pub revoked_sessions: RefCell<Vec<String>>,
    /// Session management: identities (user id → JSON list), memberships ((user id,
    /// organisation id) → role), organisations' sign-in requirements (`sso_required`, …),
    /// passwords (user id → password), whether the password grant wants verified emails.
    pub identities: RefCell<HashMap<String, Value>>,
    pub memberships: RefCell<HashMap<(String, String), String>>,
    pub org_requirements: RefCell<HashMap<String, &'static str>>,
    pub passwords: RefCell<HashMap<String, String>>,
    pub email_verification_required: Cell<bool>,
    /// AuthKit (the MCP authorisation server at [`AUTHKIT`]): whether it is down, and how many
    /// JWKS and metadata requests it got.
    pub authkit_down: Cell<bool>,
    pub authkit_requests: Cell<usize>,
    /// The events API (`GET /events`): every event, oldest first, and the queries it was sent.
    pub events: RefCell<Vec<Value>>,
    pub event_queries: RefCell<Vec<String>>,
    /// The platform's clock, shared, so tokens are minted for the test's "now".
    pub clock: Rc<Cell<i64>>,
}

#[derive(Debug, Clone)]
pub struct FakeSession {
    pub user_id: String,
    pub refresh_token: String,
    pub revoked: bool,
    pub organization_id: Option<String>,
    /// Creation order (the list is newest first).
    pub created: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefreshFailure {
    None,
    RateLimited,
    Unavailable,
    InvalidGrant,
}

impl Default for FakeWorkos {
    fn default() -> Self {
        Self {
            jwks: RefCell::new(json!({ "keys": [jwk("kid-1", test_key(0))] })),
            users: RefCell::default(),
            unverified: RefCell::default(),
            outage: Cell::new(Outage::None),
            jwks_requests: Cell::new(0),
            user_requests: Cell::new(0),
            unexpected_requests: Cell::new(0),
            codes: RefCell::default(),
            sessions: RefCell::default(),
            refresh_failure: Cell::new(RefreshFailure::None),
            refresh_requests: Cell::new(0),
            signing_key: Cell::new(0),
            refresh_takes_ms: Cell::new(0),
            revoked_sessions: RefCell::default(),
            identities: RefCell::default(),
            memberships: RefCell::default(),
            org_requirements: RefCell::default(),
            passwords: RefCell::default(),
            email_verification_required: Cell::new(false),
            authkit_down: Cell::new(false),
            authkit_requests: Cell::new(0),
            events: RefCell::default(),
            event_queries: RefCell::default(),
            clock: Rc::new(Cell::new(START_MS)),
        }
    }
}

impl HttpClient for FakeWorkos {
    async fn get(&self, request: HttpGet<'_>) -> Result<HttpReply, FetchError> {
        // A fetch is an await in a Worker: concurrent requests interleave there, as at a KV read.
        yield_now().await;
        if let Some(path) = request.url.strip_prefix(AUTHKIT) {
            self.authkit_requests.set(self.authkit_requests.get() + 1);
            if self.authkit_down.get() {
                return Ok(HttpReply::new(503, b"{}".to_vec()));
            }
            return Ok(match path {
                "/oauth2/jwks" => HttpReply::new(200, self.jwks.borrow().to_string().into_bytes()),
                "/.well-known/oauth-authorization-server" => HttpReply::new(
                    200,
                    json!({ "issuer": AUTHKIT, "authorization_endpoint": format!("{AUTHKIT}/oauth2/authorize"),
                            "token_endpoint": format!("{AUTHKIT}/oauth2/token"), "jwks_uri": format!("{AUTHKIT}/oauth2/jwks"),
                            "registration_endpoint": format!("{AUTHKIT}/oauth2/register"), "code_challenge_methods_supported": ["S256"] })
                    .to_string()
                    .into_bytes(),
                ),
                _ => HttpReply::new(404, b"{}".to_vec()),
            });
        }
        if let Some(reply) = self.session_management_get(&request) {
            return reply;
        }
        let jwks_url = format!("{API_BASE}/sso/jwks/{CLIENT_ID}");
        let users_prefix = format!("{API_BASE}/user_management/users/");
        let is_jwks = request.url == jwks_url;
        let user_id = request.url.strip_prefix(&users_prefix);
        if is_jwks {
            self.jwks_requests.set(self.jwks_requests.get() + 1);
        } else if user_id.is_some() {
            self.user_requests.set(self.user_requests.get() + 1);
        } else {
            self.unexpected_requests.set(self.unexpected_requests.get() + 1);
        }
        match self.outage.get() {
            Outage::Unavailable => return Ok(HttpReply::new(503, b"{}".to_vec())),
            Outage::Timeout => return Err(FetchError::Timeout),
            Outage::None => {}
        }
        if is_jwks {
            return Ok(HttpReply::new(200, self.jwks.borrow().to_string().into_bytes()));
        }
        if let Some(user_id) = user_id {
            let authorised = request
                .headers
                .iter()
                .any(|(name, value)| *name == "authorization" && *value == format!("Bearer {WORKOS_API_KEY}"));
            if !authorised {
                return Ok(HttpReply::new(401, b"{}".to_vec()));
            }
            return Ok(match self.users.borrow().get(user_id) {
                Some(email) => HttpReply::new(
                    200,
                    json!({
                        "object": "user", "id": user_id, "email": email,
                        "email_verified": !self.unverified.borrow().contains(user_id),
                    })
                    .to_string()
                    .into_bytes(),
                ),
                None => HttpReply::new(404, b"{}".to_vec()),
            });
        }
        Err(FetchError::Network(format!("unexpected URL {}", request.url)))
    }

    async fn post(&self, request: HttpPost<'_>) -> Result<HttpReply, FetchError> {
        yield_now().await;
        let body: Value = serde_json::from_slice(request.body.as_bytes()).unwrap();
        if request.url == format!("{API_BASE}/user_management/users") {
            return Ok(self.create_user(&body));
        }
        if request.url == format!("{API_BASE}/user_management/sessions/revoke") {
            let sid = body["session_id"].as_str().unwrap().to_owned();
            if let Some(session) = self.sessions.borrow_mut().get_mut(&sid) {
                session.revoked = true;
            }
            self.revoked_sessions.borrow_mut().push(sid);
            return Ok(HttpReply::new(200, b"{}".to_vec()));
        }
        if request.url != format!("{API_BASE}/user_management/authenticate") {
            self.unexpected_requests.set(self.unexpected_requests.get() + 1);
            return Err(FetchError::Network(format!("unexpected POST {}", request.url)));
        }
        if self.outage.get() == Outage::Timeout {
            return Err(FetchError::Timeout);
        }
        assert_eq!(body["client_secret"], WORKOS_API_KEY, "the code is exchanged with the client secret");
        let invalid_grant =
            || Ok(HttpReply::new(400, br#"{"error":"invalid_grant","error_description":"no"}"#.to_vec()));
        let (sid, user_id) = match body["grant_type"].as_str().unwrap() {
            "authorization_code" => {
                let Some((user_id, challenge)) = self.codes.borrow_mut().remove(body["code"].as_str().unwrap()) else {
                    return invalid_grant();
                };
                if s256(body["code_verifier"].as_str().unwrap_or("")) != challenge {
                    return invalid_grant();
                }
                (self.new_session(&user_id), user_id)
            }
            "password" => {
                let email = body["email"].as_str().unwrap();
                let user_id =
                    self.users.borrow().iter().find(|(_, e)| e.eq_ignore_ascii_case(email)).map(|(id, _)| id.clone());
                let Some(user_id) = user_id
                    .filter(|id| self.passwords.borrow().get(id).map(String::as_str) == body["password"].as_str())
                else {
                    return Ok(HttpReply::new(
                        400,
                        br#"{"code":"invalid_credentials","message":"Invalid credentials."}"#.to_vec(),
                    ));
                };
                if self.email_verification_required.get() && self.unverified.borrow().contains(&user_id) {
                    let answer = json!({ "code": "email_verification_required", "message": "Verify first.", "pending_authentication_token": "pat_1" });
                    return Ok(HttpReply::new(403, answer.to_string().into_bytes()));
                }
                // As the stand-in: an organisation of theirs that demands SSO or MFA, or several
                // organisations to choose from, and the password alone does not sign them in.
                let organizations: Vec<String> =
                    self.memberships.borrow().keys().filter(|(u, _)| *u == user_id).map(|(_, o)| o.clone()).collect();
                let demanded = organizations.iter().find_map(|o| self.org_requirements.borrow().get(o).copied());
                let refusal = demanded.or((organizations.len() > 1).then_some("organization_selection_required"));
                if let Some(code) = refusal {
                    let answer =
                        json!({ "code": code, "message": "Another step.", "pending_authentication_token": "pat_2" });
                    return Ok(HttpReply::new(403, answer.to_string().into_bytes()));
                }
                (self.new_session(&user_id), user_id)
            }
            "refresh_token" => {
                self.refresh_requests.set(self.refresh_requests.get() + 1);
                if self.refresh_takes_ms.get() > 0 {
                    self.clock.set(self.clock.get() + self.refresh_takes_ms.get());
                    yield_now().await;
                    yield_now().await;
                }
                match self.refresh_failure.get() {
                    RefreshFailure::None => {}
                    RefreshFailure::RateLimited => {
                        let mut reply = HttpReply::new(429, b"{}".to_vec());
                        reply.retry_after_seconds = Some(7);
                        return Ok(reply);
                    }
                    RefreshFailure::Unavailable => return Ok(HttpReply::new(503, b"{}".to_vec())),
                    RefreshFailure::InvalidGrant => return invalid_grant(),
                }
                let presented = body["refresh_token"].as_str().unwrap();
                let mut sessions = self.sessions.borrow_mut();
                let Some((sid, session)) =
                    sessions.iter_mut().find(|(_, s)| s.refresh_token == presented && !s.revoked)
                else {
                    return invalid_grant();
                };
                if let Some(org) = body["organization_id"].as_str() {
                    if !self.memberships.borrow().contains_key(&(session.user_id.clone(), org.to_owned())) {
                        let answer = br#"{"code":"organization_membership_not_found","message":"Not a member."}"#;
                        return Ok(HttpReply::new(403, answer.to_vec()));
                    }
                    if let Some(error) = self.org_requirements.borrow().get(org) {
                        let answer = json!({ "error": error, "error_description": "Sign in again.", "pending_authentication_token": "pat_1" });
                        return Ok(HttpReply::new(400, answer.to_string().into_bytes()));
                    }
                    session.organization_id = Some(org.to_owned());
                }
                (sid.clone(), session.user_id.clone())
            }
            other => panic!("unexpected grant {other}"),
        };
        let refresh_token = format!("rt_{}", random_jti());
        let organization_id = {
            let mut sessions = self.sessions.borrow_mut();
            let session = sessions.get_mut(&sid).unwrap();
            session.refresh_token = refresh_token.clone();
            session.organization_id.clone()
        };
        let now = self.clock.get() / 1000;
        let mut claims = json!({
            "iss": format!("{API_BASE}/user_management/{CLIENT_ID}"), "sub": user_id, "sid": sid,
            "jti": random_jti(), "iat": now, "exp": now + 300,
        });
        if let Some(org) = &organization_id {
            claims["org_id"] = json!(org);
            claims["role"] =
                json!(self.memberships.borrow().get(&(user_id.clone(), org.clone())).cloned().unwrap_or_default());
        }
        let key = self.signing_key.get();
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": format!("kid-{}", key + 1) });
        let access_token = sign(&header, &claims, test_key(key));
        let email = self.users.borrow().get(&user_id).cloned().unwrap_or_default();
        let answer = json!({
            "user": { "object": "user", "id": user_id, "email": email, "email_verified": true },
            "organization_id": organization_id, "access_token": access_token, "refresh_token": refresh_token,
            "authentication_method": "Password", "impersonator": null,
        });
        Ok(HttpReply::new(200, answer.to_string().into_bytes()))
    }
}

impl FakeWorkos {
    /// Rotates the signing key as WorkOS does: the next key is published beside the current one
    /// and signs every access token issued from now on.
    pub fn rotate_signing_key(&self) {
        let next = self.signing_key.get() + 1;
        self.jwks.borrow_mut()["keys"].as_array_mut().unwrap().push(jwk(&format!("kid-{}", next + 1), test_key(next)));
        self.signing_key.set(next);
    }

    fn new_session(&self, user_id: &str) -> String {
        let sid = format!("session_{}", random_jti());
        let created = self.sessions.borrow().len();
        let session = FakeSession {
            user_id: user_id.to_owned(),
            refresh_token: String::new(),
            revoked: false,
            organization_id: None,
            created,
        };
        self.sessions.borrow_mut().insert(sid.clone(), session);
        sid
    }

    /// `POST /user_management/users`, as WorkOS answers it.
    fn create_user(&self, body: &Value) -> HttpReply {
        let email = body["email"].as_str().unwrap().to_owned();
        let refuse = |code: &str, message: &str| {
            let answer = json!({ "code": "user_creation_error", "message": "Could not create user.", "errors": [{ "code": code, "message": message }] });
            HttpReply::new(422, answer.to_string().into_bytes())
        };
        if self.users.borrow().values().any(|e| e.eq_ignore_ascii_case(&email)) {
            return refuse("email_not_available", "This email is not available.");
        }
        let password = body["password"].as_str().unwrap_or_default().to_owned();
        if password.chars().count() < 10 {
            return refuse("password_too_short", "Password must be at least 10 characters.");
        }
        let id = format!("user_{}", random_jti());
        self.users.borrow_mut().insert(id.clone(), email.clone());
        self.passwords.borrow_mut().insert(id.clone(), password);
        HttpReply::new(201, json!({ "object": "user", "id": id, "email": email }).to_string().into_bytes())
    }

    /// The session management reads: identities, a user's sessions, memberships.
    fn session_management_get(&self, request: &HttpGet<'_>) -> Option<Result<HttpReply, FetchError>> {
        let path = request.url.strip_prefix(API_BASE)?;
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let param =
            |name: &str| query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}="))).map(str::to_owned);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let outage = match self.outage.get() {
            Outage::Unavailable => Some(Ok(HttpReply::new(503, b"{}".to_vec()))),
            Outage::Timeout => Some(Err(FetchError::Timeout)),
            Outage::None => None,
        };
        let answer = match segments.as_slice() {
            ["user_management", "users", user_id, "identities"] => {
                self.identities.borrow().get(*user_id).cloned().unwrap_or_else(|| json!([]))
            }
            ["user_management", "users", user_id, "sessions"] => {
                let mut sessions: Vec<(String, FakeSession)> = self
                    .sessions
                    .borrow()
                    .iter()
                    .filter(|(_, s)| s.user_id == *user_id)
                    .map(|(sid, s)| (sid.clone(), s.clone()))
                    .collect();
                sessions.sort_by_key(|s| std::cmp::Reverse(s.1.created));
                let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
                let start = match param("after") {
                    Some(after) => sessions.iter().position(|(sid, _)| *sid == after).map_or(sessions.len(), |i| i + 1),
                    None => 0,
                };
                let page: Vec<_> = sessions.iter().skip(start).take(limit).collect();
                let after = (start + page.len() < sessions.len()).then(|| page.last().unwrap().0.clone());
                json!({
                    "data": page.iter().map(|(sid, s)| json!({
                        "object": "session", "id": sid, "user_id": s.user_id, "ip_address": "203.0.113.9",
                        "user_agent": "test", "organization_id": s.organization_id, "impersonator": null,
                        "auth_method": "Password", "status": if s.revoked { "revoked" } else { "active" },
                        "expires_at": "2030-01-01T00:00:00.000Z", "ended_at": null,
                        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
                    })).collect::<Vec<_>>(),
                    "list_metadata": { "before": null, "after": after },
                })
            }
            // WorkOS's events API: the types asked for (repeated `events=`), oldest first, after
            // the event `after`, at most `limit`.
            ["events"] => {
                self.event_queries.borrow_mut().push(query.to_owned());
                let types: Vec<&str> = query.split('&').filter_map(|pair| pair.strip_prefix("events=")).collect();
                let events = self.events.borrow();
                let start = match param("after") {
                    Some(after) => {
                        events.iter().position(|e| e["id"] == after.as_str()).map_or(events.len(), |i| i + 1)
                    }
                    None => 0,
                };
                let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
                let data: Vec<Value> = events[start..]
                    .iter()
                    .filter(|e| types.contains(&e["event"].as_str().unwrap_or_default()))
                    .take(limit)
                    .cloned()
                    .collect();
                json!({ "object": "list", "data": data, "list_metadata": {} })
            }
            ["user_management", "organization_memberships"] => {
                let (user_id, org) =
                    (param("user_id").unwrap_or_default(), param("organization_id").unwrap_or_default());
                let data: Vec<Value> = self
                    .memberships
                    .borrow()
                    .get(&(user_id.clone(), org.clone()))
                    .map(|role| json!({ "object": "organization_membership", "id": "om_1", "user_id": user_id, "organization_id": org, "role": { "slug": role }, "status": "active" }))
                    .into_iter()
                    .collect();
                json!({ "data": data, "list_metadata": { "before": null, "after": null } })
            }
            _ => return None,
        };
        Some(outage.unwrap_or_else(|| Ok(HttpReply::new(200, answer.to_string().into_bytes()))))
    }
}

// ---------------------------------------------------------------- the app

/// The rate-limiting binding's behaviour: a fixed window per key, on the test clock.
pub struct WindowLimiter {
    pub limit: Cell<u32>,
    clock: Rc<Cell<i64>>,
    counts: RefCell<HashMap<(String, i64), u32>>,
}

impl RateLimiter for WindowLimiter {
    async fn allow(&self, key: &str) -> bool {
        // The binding's `limit()` is a promise in a Worker: concurrent requests interleave there.
        yield_now().await;
        let window = self.clock.get() / (SIGN_IN_LIMIT_PERIOD_SECONDS as i64 * 1000);
        let mut counts = self.counts.borrow_mut();
        let count = counts.entry((key.to_owned(), window)).or_default();
        *count += 1;
        *count <= self.limit.get()
    }
}

pub struct TestPlatform {
    pub db: SqliteDatabase,
    pub kv: MemoryKv,
    pub workos: FakeWorkos,
    pub sign_in_limiter: WindowLimiter,
    pub now: Rc<Cell<i64>>,
}

impl Platform for TestPlatform {
    type Db = SqliteDatabase;
    type Kv = MemoryKv;
    type Http = FakeWorkos;
    type Limiter = WindowLimiter;
    fn db(&self) -> &SqliteDatabase {
        &self.db
    }
    fn kv(&self) -> &MemoryKv {
        &self.kv
    }
    fn http(&self) -> &FakeWorkos {
        &self.workos
    }
    fn sign_in_limiter(&self) -> &WindowLimiter {
        &self.sign_in_limiter
    }
    fn now(&self) -> i64 {
        self.now.get()
    }
}

pub struct TestApp {
    pub platform: TestPlatform,
    pub config: Config,
    pub isolate: Isolate,
}

pub fn config_with(overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = [
        ("WORKOS_CLIENT_ID", CLIENT_ID),
        ("WORKOS_API_BASE", API_BASE),
        ("WORKOS_API_KEY", WORKOS_API_KEY),
        ("API_KEY_PEPPER", "t1:test-pepper-0123456789abcdef"),
        ("ALLOWED_ORIGINS", "https://app.example.com"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        if v.is_empty() {
            vars.remove(*k);
        } else {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    Config::from_lookup(|name| vars.get(name).cloned()).unwrap()
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(&[])
}

pub fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let workos = FakeWorkos::default();
    TestApp {
        platform: TestPlatform {
            db: SqliteDatabase::migrated(),
            kv: MemoryKv::default(),
            sign_in_limiter: WindowLimiter {
                limit: Cell::new(1_000),
                clock: workos.clock.clone(),
                counts: RefCell::default(),
            },
            now: workos.clock.clone(),
            workos,
        },
        config: config_with(overrides),
        isolate: Isolate::default(),
    }
}

impl TestApp {
    pub fn send(&self, request: ApiRequest) -> ApiResponse {
        let app = App::new(&self.platform, &self.config, &self.isolate);
        let response = futures::executor::block_on(handle(&app, &request));
        assert_no_header_twice(&response, &request);
        response
    }

    pub fn get(&self, path: &str, bearer: Option<&str>) -> ApiResponse {
        let mut request = ApiRequest::new(Method::Get, path);
        if let Some(token) = bearer {
            request = request.with_header("authorization", &format!("Bearer {token}"));
        }
        self.send(request)
    }

    pub fn callback(&self, token: &str) -> ApiResponse {
        self.send(
            ApiRequest::new(Method::Post, "/v1/auth/web/callback")
                .with_header("authorization", &format!("Bearer {token}")),
        )
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.platform.now.set(self.platform.now.get() + seconds * 1000);
    }

    pub fn now_seconds(&self) -> i64 {
        self.platform.now.get() / 1000
    }

    /// Registers a WorkOS user and returns a valid token for them.
    pub fn sign_in_token(&self, user_id: &str, email: &str) -> String {
        self.platform.workos.users.borrow_mut().insert(user_id.to_owned(), email.to_owned());
        self.token(json!({ "sub": user_id, "sid": format!("session_{user_id}"), "jti": random_jti() }))
    }

    /// A token with default claims (iss, exp, iat) merged with `claims`, signed by key 0.
    pub fn token(&self, claims: Value) -> String {
        let mut full = json!({
            "iss": format!("{API_BASE}/user_management/{CLIENT_ID}"),
            "iat": self.now_seconds(),
            "exp": self.now_seconds() + 300,
        });
        for (k, v) in claims.as_object().unwrap() {
            if v.is_null() {
                full.as_object_mut().unwrap().remove(k);
            } else {
                full[k] = v.clone();
            }
        }
        sign(&json!({ "alg": "RS256", "typ": "JWT", "kid": "kid-1" }), &full, test_key(0))
    }
}

pub fn random_jti() -> String {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).unwrap();
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64(value: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(value)
}

/// RFC 7636's S256: base64url(SHA-256(verifier)).
pub fn s256(verifier: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Signs header and claims (JSON as given, so tests control every byte) with RS256.
pub fn sign(header: &Value, claims: &Value, key: &RsaPrivateKey) -> String {
    sign_raw(header.to_string().as_bytes(), claims.to_string().as_bytes(), key)
}

pub fn sign_raw(header: &[u8], claims: &[u8], key: &RsaPrivateKey) -> String {
    let signing_input = format!("{}.{}", b64(header), b64(claims));
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&signature.to_bytes()))
}

pub fn error_code(response: &ApiResponse) -> String {
    response.json_body()["error"]["code"].as_str().unwrap_or("").to_owned()
}

impl TestApp {
    pub async fn callback_async(&self, token: &str) -> ApiResponse {
        let app = App::new(&self.platform, &self.config, &self.isolate);
        let request = ApiRequest::new(Method::Post, "/v1/auth/web/callback")
            .with_header("authorization", &format!("Bearer {token}"));
        handle(&app, &request).await
    }
}

// ---------------------------------------------------------------- organisation API helpers

/// A request with an optional bearer credential and JSON body.
pub fn api_request(method: Method, path: &str, bearer: Option<&str>, body: Option<&Value>) -> ApiRequest {
    let mut request = ApiRequest::new(method, path);
    if let Some(credential) = bearer {
        request = request.with_header("authorization", &format!("Bearer {credential}"));
    }
    if let Some(body) = body {
        request = request.with_json(body);
    }
    request
}

/// A user who signed in through the real web callback.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub email: String,
    /// A valid access token (5 minutes from sign-in).
    pub token: String,
    /// The personal workspace's id and slug.
    pub personal_id: String,
    pub personal_slug: String,
    /// The default API key's credential (scopes read, write) and id.
    pub default_key: String,
    pub default_key_id: String,
}

impl TestApp {
    /// Any request; `body` is sent as JSON.
    pub fn call(&self, method: Method, path: &str, bearer: Option<&str>, body: Option<&Value>) -> ApiResponse {
        self.send(api_request(method, path, bearer, body))
    }

    /// [`TestApp::call`] as a future, to interleave requests with `futures::join!`. The request
    /// is built now, so the future borrows nothing but the app.
    pub fn call_async(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> impl std::future::Future<Output = ApiResponse> + '_ {
        let request = api_request(method, path, bearer, body);
        async move {
            let app = App::new(&self.platform, &self.config, &self.isolate);
            handle(&app, &request).await
        }
    }

    /// Provisions a user through the callback, as a browser's first sign-in does.
    pub fn sign_in(&self, user_id: &str, email: &str) -> SignedIn {
        let token = self.sign_in_token(user_id, email);
        let response = self.callback(&token);
        assert!(matches!(response.status, 200 | 201), "sign-in of {user_id}: {}", body_text(&response));
        let body = response.json_body();
        SignedIn {
            user_id: user_id.to_owned(),
            email: email.to_owned(),
            token,
            personal_id: body["workspace"]["id"].as_str().unwrap().to_owned(),
            personal_slug: body["workspace"]["slug"].as_str().unwrap().to_owned(),
            default_key: body["default_api_key"]["secret"].as_str().unwrap_or_default().to_owned(),
            default_key_id: body["default_api_key"]["api_key"]["id"].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// Creates a workspace, asserting 201; returns its JSON.
    pub fn create_org(&self, bearer: &str, name: &str, slug: &str) -> Value {
        let response = self.call(Method::Post, "/v1/orgs", Some(bearer), Some(&json!({ "name": name, "slug": slug })));
        assert_eq!(response.status, 201, "create {slug}: {}", body_text(&response));
        response.json_body()
    }

    /// Adds a member by user id, asserting 201.
    pub fn add_member(&self, bearer: &str, org: &str, user_id: &str, role: &str) -> Value {
        let response = self.call(
            Method::Post,
            &format!("/v1/orgs/{org}/members"),
            Some(bearer),
            Some(&json!({ "user_id": user_id, "role": role })),
        );
        assert_eq!(response.status, 201, "add {user_id} as {role}: {}", body_text(&response));
        response.json_body()
    }

    /// Invites `email` to `org` as `role`, asserting 201; returns the invitation.
    pub fn invite(&self, bearer: &str, org: &str, email: &str, role: &str) -> Value {
        let response = self.call(
            Method::Post,
            &format!("/v1/orgs/{org}/invitations"),
            Some(bearer),
            Some(&json!({ "email": email, "role": role })),
        );
        assert_eq!(response.status, 201, "invite {email} as {role}: {}", body_text(&response));
        response.json_body()
    }

    /// Creates an API key, asserting 201; returns `(credential, key id)`.
    pub fn create_key(&self, bearer: &str, org: &str, scopes: &[&str]) -> (String, String) {
        let response = self.call(
            Method::Post,
            &format!("/v1/orgs/{org}/api-keys"),
            Some(bearer),
            Some(&json!({ "name": "test key", "scopes": scopes })),
        );
        assert_eq!(response.status, 201, "create key: {}", body_text(&response));
        let body = response.json_body();
        (body["secret"].as_str().unwrap().to_owned(), body["api_key"]["id"].as_str().unwrap().to_owned())
    }

    /// Round trips to the database so far.
    pub fn round_trips(&self) -> usize {
        self.platform.db.round_trips.get()
    }

    /// Every row of the organisation tables, to show that a refused request wrote nothing.
    pub fn snapshot(&self) -> Vec<Vec<Value>> {
        ["users", "workspaces", "memberships", "api_keys", "audit_events", "invitations"]
            .iter()
            .map(|table| self.platform.db.rows(&format!("SELECT * FROM {table} ORDER BY rowid")))
            .collect()
    }
}

pub fn body_text(response: &ApiResponse) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

/// Every answer of every test: no header twice but `Set-Cookie` (one per cookie). A second
/// `Retry-After` reaches a client as `5, 5`, which is no number of seconds.
fn assert_no_header_twice(response: &ApiResponse, request: &ApiRequest) {
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &response.headers {
        let name = name.to_ascii_lowercase();
        assert!(
            name == "set-cookie" || seen.insert(name.clone()),
            "{:?} {} answered {name} twice: {:?}",
            request.method,
            request.path,
            response.headers
        );
    }
}
