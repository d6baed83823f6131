#[cfg(feature = "bench-routes")]
use std::cell::Cell;
use std::future::Future;

/// What one request spent waiting on each binding. Benchmark builds report it in a
/// `Server-Timing` header, so that `npm run bench -- --only cold` can take a fresh isolate's
/// first request apart; other builds compile [`Waits::time`] down to the await alone. Writes
/// made after the answer (`waitUntil`) are not in it.
#[derive(Default)]
pub struct Waits {
    pub d1: Waited,
    pub kv: Waited,
    pub fetch: Waited,
}

/// Wall-clock milliseconds during which at least one wait on a binding was pending: two reads
/// made together count once.
#[derive(Default)]
pub struct Waited {
    #[cfg(feature = "bench-routes")]
    milliseconds: Cell<f64>,
    #[cfg(feature = "bench-routes")]
    pending: Cell<u32>,
    #[cfg(feature = "bench-routes")]
    since: Cell<f64>,
}

impl Waits {
    /// Awaits `work`, counting the time it takes towards `binding`.
    pub async fn time<T>(binding: &Waited, work: impl Future<Output = T>) -> T {
        #[cfg(feature = "bench-routes")]
        {
            if binding.pending.get() == 0 {
                binding.since.set(js_sys::Date::now());
            }
            binding.pending.set(binding.pending.get() + 1);
            let output = work.await;
            binding.pending.set(binding.pending.get() - 1);
            if binding.pending.get() == 0 {
                binding.milliseconds.set(binding.milliseconds.get() + js_sys::Date::now() - binding.since.get());
            }
            output
        }
        #[cfg(not(feature = "bench-routes"))]
        {
            let _ = binding;
            work.await
        }
    }

    #[cfg(feature = "bench-routes")]
    /// The header's value: `d1;dur=…, kv;dur=…, fetch;dur=…, total;dur=…`.
    pub fn server_timing(&self, total_ms: f64) -> String {
        let (d1, kv, fetch) = (self.d1.milliseconds.get(), self.kv.milliseconds.get(), self.fetch.milliseconds.get());
        format!("d1;dur={d1}, kv;dur={kv}, fetch;dur={fetch}, total;dur={total_ms}")
    }
}
