use serde_json::json;

use crate::app::App;
use crate::http::ApiResponse;
use crate::platform::{Database, KeyValueStore, Platform, Statement};

/// `GET /v1/health`: the version and whether D1 and KV answer. Always 200 while the worker runs,
/// so a load balancer can tell "worker up, storage down" from "worker down".
pub async fn health<P: Platform>(app: &App<'_, P>) -> ApiResponse {
    let d1 = app.platform.db().query(Statement::new("SELECT 1 AS ok", vec![])).await.is_ok();
    let kv = app.platform.kv().get("health:probe").await.is_ok();
    ApiResponse::json(
        200,
        &json!({
            "status": if d1 && kv { "ok" } else { "degraded" },
            "version": crate::VERSION,
            "checks": { "d1": d1, "kv": kv },
        }),
    )
}
