//! The wasm shell: adapts the Workers runtime to the portable core. Nothing here decides
//! anything; it converts types and forwards.

#[cfg(feature = "bench-routes")]
mod bench_stages;
#[cfg(feature = "bench-routes")]
mod bench_steps;
pub mod d1;
mod fetch;
mod js_error;
pub mod js_text;
mod kv;
mod rate_limit;
pub mod request;
pub mod run_to_completion;
mod waits;

use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use worker::{event, web_sys, worker_sys, Context, Env, ScheduleContext, ScheduledEvent};

pub use d1::D1Adapter;
pub use fetch::FetchAdapter;
pub use kv::KvAdapter;
pub use rate_limit::RateLimitAdapter;
pub use run_to_completion::run_to_completion;
pub use waits::Waits;

use crate::app::App;
use crate::app::Isolate;
use crate::config::Config;
use crate::http::ErrorCode;
use crate::http::{request_id, ApiError, REQUEST_ID_HEADER};
use crate::log::{log_error, with_request_id};
use crate::platform::{Platform, UnixMillis};
use crate::routes::handle;

/// Binding names, as in wrangler.toml.
pub const D1_BINDING: &str = "DB";
/// The KV namespace binding.
pub const KV_BINDING: &str = "AUTH_KV";
/// The rate-limiting binding for sign-in attempts.
pub const SIGN_IN_LIMITER_BINDING: &str = "SIGN_IN_LIMITER";

thread_local! {
    /// The configuration, read once per isolate: an isolate serves one version of the worker,
    /// whose vars and secrets do not change under it (a new value is a new version, with new
    /// isolates). Reading ~30 bindings across the wasm boundary and parsing them on every
    /// request cost a measurable share of a cached read. A misconfiguration is not kept: it is
    /// read again (and reported) on every request.
    static CONFIG: std::cell::OnceCell<&'static Config> = const { std::cell::OnceCell::new() };

    /// The isolate's caches (see [`Isolate`]). A Worker isolate is single-threaded and
    /// lives for many requests; leaking one value per isolate gives handlers a `'static` borrow.
    static ISOLATE: &'static Isolate = Box::leak(Box::default());
}

/// The Workers runtime as a [`Platform`].
pub struct WorkerPlatform {
    db: D1Adapter,
    kv: KvAdapter,
    http: FetchAdapter,
    sign_in_limiter: RateLimitAdapter,
    /// What this request waited on D1, KV and fetch (benchmark builds report it).
    #[cfg_attr(not(feature = "bench-routes"), allow(dead_code))]
    waits: Rc<Waits>,
}

impl Platform for WorkerPlatform {
    type Db = D1Adapter;
    type Kv = KvAdapter;
    type Http = FetchAdapter;
    type Limiter = RateLimitAdapter;

    fn db(&self) -> &D1Adapter {
        &self.db
    }
    fn kv(&self) -> &KvAdapter {
        &self.kv
    }
    fn http(&self) -> &FetchAdapter {
        &self.http
    }
    fn sign_in_limiter(&self) -> &RateLimitAdapter {
        &self.sign_in_limiter
    }
    fn now(&self) -> UnixMillis {
        js_sys::Date::now() as UnixMillis
    }
}

fn platform(env: &Env, context: Option<Rc<Context>>) -> Result<WorkerPlatform, crate::platform::DatabaseError> {
    let waits = Rc::new(Waits::default());
    Ok(WorkerPlatform {
        db: D1Adapter::new(env, D1_BINDING, waits.clone())?,
        kv: KvAdapter::new(env, KV_BINDING, context, waits.clone()),
        http: FetchAdapter { waits: waits.clone() },
        sign_in_limiter: RateLimitAdapter::new(env, SIGN_IN_LIMITER_BINDING),
        waits,
    })
}

/// The binding `name` of `env`, read with one property access: `Env`'s typed getters also ask
/// the binding for its constructor's name (two more crossings on every request). A binding of
/// another kind then fails at its first use instead. `None` when it is not configured.
fn binding(env: &Env, name: &str) -> Option<wasm_bindgen::JsValue> {
    js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name)).ok().filter(|binding| !binding.is_undefined())
}

/// Reads a var or secret; both are plain strings on `env`.
fn env_text(env: &Env, name: &str) -> Option<String> {
    binding(env, name).and_then(|value| value.as_string())
}

fn isolate_config(env: &Env) -> Result<&'static Config, crate::config::ConfigError> {
    if let Some(config) = CONFIG.with(|cell| cell.get().copied()) {
        return Ok(config);
    }
    let config: &'static Config = Box::leak(Box::new(Config::from_lookup(|name| env_text(env, name))?));
    CONFIG.with(|cell| {
        cell.get_or_init(|| config);
    });
    Ok(config)
}

/// The Worker's fetch handler, exported as the module's `fetch` (our entry module, `entry.js`,
/// calls it with the request, `env` and the context). Written without `#[event(fetch)]`, whose
/// glue builds a `worker::Request` (reading `request.cf`, see [`request::from_worker_request`])
/// and runs the handler as a task of its own beside the one `waitUntil` needs.
#[wasm_bindgen(js_name = fetch)]
pub fn fetch(request: web_sys::Request, env: Env, context: worker_sys::Context) -> js_sys::Promise {
    #[cfg(feature = "bench-routes")]
    if bench_stages::of_url(&request.url()) == Some(bench_stages::Stage::Export) {
        return bench_stages::answer_at_export();
    }
    // The request's work runs to its end even if the client leaves (see run_to_completion).
    let context = Rc::new(Context::new(context));
    let work = answer_request(request, env, context.clone());
    run_to_completion((*context).as_ref(), async move { Ok(work.await.into()) })
}

async fn answer_request(request: web_sys::Request, env: Env, context: Rc<Context>) -> web_sys::Response {
    #[cfg(feature = "bench-routes")]
    let started = js_sys::Date::now();
    #[cfg(feature = "bench-routes")]
    {
        let url = request.url();
        if let Some(step) = crate::http::ApiRequest::split_url(&url).0.strip_prefix(bench_steps::ROUTE_PREFIX) {
            return bench_steps::answer(step, request, env, context).await;
        }
    }
    let head = request::head_of(&request);
    let id = request_id(head.headers.iter().find(|(name, _)| name == "cf-ray").map(|(_, ray)| ray.as_str()));
    // Answers refused before the core routes them carry the id too.
    let refuse = |error: ApiError| {
        let mut response = error.into_response();
        response.headers.push((REQUEST_ID_HEADER.into(), id.to_string()));
        request::into_worker_response(response)
    };
    let config = match isolate_config(&env) {
        Ok(config) => config,
        Err(error) => {
            with_request_id(id.clone(), async { log_error(&error.to_string()) }).await;
            return refuse(ApiError::new(
                ErrorCode::ConfigurationInvalid,
                &format!("the worker is misconfigured: {} {}", error.variable, error.problem),
            ));
        }
    };
    let api_request = match request::from_worker_request(request, head, id.clone()).await {
        Ok(api_request) => api_request,
        Err(error) => return refuse(error),
    };
    let platform = match platform(&env, Some(context)) {
        Ok(platform) => platform,
        Err(error) => {
            with_request_id(id.clone(), async { log_error(&format!("a binding is missing: {error}")) }).await;
            return refuse(ApiError::internal());
        }
    };
    #[cfg(feature = "bench-routes")]
    if let Some(stage) = bench_stages::Stage::named_in(&api_request) {
        return bench_stages::answer_after_intake(stage, &api_request, &platform).await;
    }
    let isolate = ISOLATE.with(|isolate| *isolate);
    let app = App::new(&platform, config, isolate);
    #[allow(unused_mut)]
    let mut response = handle(&app, &api_request).await;
    // Benchmark builds report how many D1 round trips the request made, and what it waited on.
    #[cfg(feature = "bench-routes")]
    {
        response.headers.push(("x-d1-round-trips".into(), platform.db.round_trips().to_string()));
        let total = js_sys::Date::now() - started;
        response.headers.push(("server-timing".into(), platform.waits.server_timing(total)));
    }
    request::into_worker_response(response)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // A scheduled run has no request; its logs are named by an id of their own.
    with_request_id(request_id(None), async {
        let platform = match platform(&env, None) {
            Ok(platform) => platform,
            Err(error) => return log_error(&format!("scheduled run: {error}")),
        };
        match crate::store::purge_expired(platform.db(), platform.now(), crate::store::PURGE_LIMITS).await {
            Ok(purged) => worker::console_log!(
                "purged {} expired callback answers, sign-in flows, sessions and event records{}",
                purged.rows,
                if purged.finished { "" } else { "; more are left for the next run" }
            ),
            Err(error) => log_error(&format!("scheduled purge failed: {error}")),
        }
        // WorkOS's events the webhooks may have missed (needs the API key to read them).
        let config = match isolate_config(&env) {
            Ok(config) if config.workos_api_key.is_some() => config,
            Ok(_) => return,
            Err(error) => return log_error(&format!("scheduled events sync: {error}")),
        };
        match crate::routes::sync_events(&platform, config).await {
            Ok(synced) => worker::console_log!(
                "applied {} WorkOS events{}",
                synced.events,
                if synced.finished { "" } else { "; more are left for the next run" }
            ),
            Err(error) => log_error(&format!("scheduled events sync stopped: {error:?}")),
        }
    })
    .await
}
