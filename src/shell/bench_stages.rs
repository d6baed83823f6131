//! Benchmark builds only: an org read stopped at a stage, `GET /v1/orgs/{id}?__stage={stage}`.
//! Each stage answers a constant body once it has done what the request does up to there. Sent
//! as whole requests beside the full read (`npm run bench -- --only stages`), the stages show
//! what each part of a request costs the runtime per request, which the steps (timed hot, in a
//! loop) and the V8 profile (whose attribution misleads) cannot.
//!
//! The stages up to the statement answer exactly what the floors answer (one small row, one
//! header), so that a stage set beside a floor differs from it only in the work done. The
//! `answer` stage then answers as an org read does (its body, its four headers): what the answer's
//! shape costs is a stage of its own. (Until it was, every stage answered as an org read does, and
//! the comparisons with the floors counted the three extra headers as the shell's cost.)

use crate::domain::WorkspaceRef;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::platform::{Database, Statement};
use crate::store::users::select_user_with_access;

use super::{request, WorkerPlatform};
use worker::web_sys;

/// Where a request stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// At the wasm export, before anything is read.
    Export,
    /// After the shell's intake: the request's task, `waitUntil`, headers, URL, method,
    /// configuration, bindings.
    Intake,
    /// After the intake and one D1 batch through the adapter: a primary-key read.
    OneRead,
    /// After the intake and one D1 batch of the org read's own statement (`user` names the caller).
    Statement,
    /// As [`Stage::Statement`], answered as an org read is: its body and headers.
    Answer,
}

impl Stage {
    /// The stage a request names (`?__stage=`), if any.
    pub fn named_in(request: &ApiRequest) -> Option<Stage> {
        match request.query_param("__stage").ok()??.as_str() {
            "export" => Some(Stage::Export),
            "intake" => Some(Stage::Intake),
            "one-read" => Some(Stage::OneRead),
            "statement" => Some(Stage::Statement),
            "answer" => Some(Stage::Answer),
            _ => None,
        }
    }
}

/// The stage of a request's URL, read before anything else of it.
pub fn of_url(url: &str) -> Option<Stage> {
    let (path, query) = ApiRequest::split_url(url);
    Stage::named_in(&ApiRequest::new(Method::Get, &format!("{path}?{query}")))
}

/// The export's answer: the floors' one, already resolved (no task, no `waitUntil`).
pub fn answer_at_export() -> js_sys::Promise {
    let answer: wasm_bindgen::JsValue = floor_answer().into();
    js_sys::Promise::resolve(&answer)
}

/// What the floors answer (`crates/bench-floor`, and the JS floor's `/constant`): their row, one
/// header.
fn floor_answer() -> web_sys::Response {
    let answer = ApiResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#"{"id":"item_1","name":"one"}"#.to_vec(),
    };
    request::into_worker_response(answer)
}

/// An org read's answer as the worker gives it: a workspace's body of the same size, and the
/// headers every JSON answer carries (the content type, `no-store`, `Vary`, the request id).
fn org_read_answer() -> web_sys::Response {
    const BODY: &str = r#"{"id":"org_0123456789abcdefghjkmnpqrs","name":"Bench's workspace","slug":"bench-workspace","personal":true,"created_at":"2026-12-01T00:00:00.000Z","updated_at":"2026-12-01T00:00:00.000Z"}"#;
    let mut answer = ApiResponse::raw_json(200, BODY.as_bytes().to_vec());
    answer.headers.push(("vary".into(), "Origin".into()));
    answer.headers.push((crate::http::REQUEST_ID_HEADER.into(), "req_bench_stage".into()));
    request::into_worker_response(answer)
}

/// Finishes a request at `stage`, once the intake is done; a 500 when its read fails or finds no
/// row (the bench then stops: a stage that read nothing measured nothing).
pub async fn answer_after_intake(
    stage: Stage,
    api_request: &ApiRequest,
    platform: &WorkerPlatform,
) -> web_sys::Response {
    let workspace = api_request.path.rsplit('/').next().unwrap_or_default();
    let user = api_request.query_param("user").ok().flatten().unwrap_or_default();
    let statement = match stage {
        Stage::Export | Stage::Intake => return floor_answer(),
        Stage::OneRead => Statement::new("SELECT id, name, slug FROM workspaces WHERE id = ?1", vec![workspace.into()]),
        Stage::Statement | Stage::Answer => select_user_with_access(&user, &WorkspaceRef::parse(workspace)),
    };
    match platform.db.batch(vec![statement]).await {
        Ok(results) if results.first().is_some_and(|rows| rows.len() == 1) => match stage {
            Stage::Answer => org_read_answer(),
            _ => floor_answer(),
        },
        _ => request::into_worker_response(ApiResponse::json(
            500,
            &serde_json::json!({ "error": "the stage read no row" }),
        )),
    }
}
