// The load and the figures of the side-by-side benchmarks (bench-peer.mjs, bench-session.mjs,
// bench-pairs.mjs, bench-stages.mjs): requests sent at a concurrency, alone or two loads together,
// their latencies, throughput and workerd's CPU per request.
import { median, medianInterval, percentile } from "./statistics.mjs";
import { workerdCpuMs } from "./process-cpu.mjs";

/**
 * What every load asks of an answer's encoding: none. When a client accepts gzip, `wrangler dev`
 * (miniflare's entry worker, in the worker's own workerd process) compresses the answer there,
 * as Cloudflare's front line does in production outside the worker's isolate and its CPU bill.
 * Counted in instructions (`--only instructions`), zlib's set-up alone was ~200k of every
 * request on each side, 3 % of an org read, and the compressing more for the longer answer.
 */
const UNENCODED = { "accept-encoding": "identity" };

/** `requests` sent at `concurrency`; latencies (ms) and throughput (req/s). Any error status fails the run. */
export async function load(base, requests, concurrency) {
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const { method, path, headers = {}, body } = requests[next++];
        const sent = process.hrtime.bigint();
        const response = await fetch(`${base}${path}`, { method, headers: { ...UNENCODED, ...headers }, body });
        const answer = await response.text();
        if (response.status >= 400) throw new Error(`${base}${path}: ${response.status} ${answer}`);
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }
    }),
  );
  return { latencies, rate: requests.length / (Number(process.hrtime.bigint() - started) / 1e9) };
}

/** The lifetime of the tokens a benchmark mints: longer than any run (the stand-in's default is
 * five minutes, which a run of many rounds outlasts, and its last rounds then meet 401s). */
export const BENCH_TOKEN_TTL_SECONDS = 3600;

/** The worker's vars beside the peer: the email taken from the token (no WorkOS API key), as
 * the peer takes it, so that both do the same work; a JWKS refetch cooldown longer than a load. */
export const PEER_LIKE_WORKER_VARS = { WORKOS_API_KEY: "", JWKS_REFETCH_COOLDOWN_SECONDS: "30" };

/** A request's headers for an access token. */
export const bearer = (token) => ({ authorization: `Bearer ${token}` });

export const newEntry = () => ({ latencies: [], rates: [], cpuRounds: [], kernelRounds: [], cpuMs: 0, kernelMs: 0, count: 0 });

/**
 * `items` in the order of round `round`: rotated by one each round and reversed every other
 * round, so that no load is always measured first, last, or right after the same other load
 * (three items take all six orders in six rounds; a path's two sides, listed side by side, take
 * turns going first). The floors were once measured after the paths in a fixed order, and the
 * Rust floor, always right after the JS floor's thirteen-read batch, came out 5–15 % dearer in
 * CPU than the JS floor, run after run (0.92×, 0.82–0.97, on 2026-12-01). Two identical JS floors
 * and the Rust floor, in turned orders, 30 rounds, twice: the Rust floor 0.96–0.99× the JS floors'
 * CPU, and the two JS floors 1.00–1.02× of each other (docs/performance.md).
 */
export function inRoundOrder(items, round) {
  const turned = items.map((_, i) => items[(i + round) % items.length]);
  return round % 2 ? turned.reverse() : turned;
}

/** Concurrency on each side of two loads sent together: 16 in all, as the busy loads sent alone. */
export const CONCURRENCY_PER_SIDE = 8;

/**
 * Two loads, `[target, requests, entry]` each, sent at the same time at CONCURRENCY_PER_SIDE, so
 * that whatever the machine does meanwhile falls on both alike: two identical JS floors sent one
 * after the other came out 0.97× (0.93–1.10) apart in workerd CPU over 20 rounds, sent together
 * 1.01× (0.99–1.02) (docs/performance.md). Which starts first turns with `round` (they start in
 * the same tick either way). `inRoundOrder` would not turn two: its turn and reversal cancel.
 */
export async function measureTogether(loads, round) {
  const order = round % 2 ? [1, 0] : [0, 1];
  await Promise.all(order.map((side) => measure(loads[side][0], loads[side][1], CONCURRENCY_PER_SIDE, loads[side][2])));
}

/** Fewest requests in a round for its own CPU figure: /proc counts 10 ms ticks. */
const CPU_ROUND_REQUESTS = 90;

/** One load of `requests` on `target`, added to `entry`: latencies, throughput, workerd's CPU. */
export async function measure(target, requests, concurrency, entry) {
  const cpuBefore = workerdCpuMs(target.pid);
  const outcome = await load(target.base, requests, concurrency);
  const cpuAfter = workerdCpuMs(target.pid);
  const cpuMs = cpuAfter.total - cpuBefore.total;
  const kernelMs = cpuAfter.system - cpuBefore.system;
  entry.cpuMs += cpuMs;
  entry.kernelMs += kernelMs;
  entry.count += requests.length;
  if (requests.length >= CPU_ROUND_REQUESTS) {
    entry.cpuRounds.push((cpuMs / requests.length) * 1000);
    entry.kernelRounds.push((kernelMs / requests.length) * 1000);
  }
  entry.latencies.push(...outcome.latencies);
  entry.rates.push(outcome.rate);
}

/** workerd's CPU per request of an entry, in µs; null when too few requests were sent for /proc's
 * 10 ms ticks (and, at concurrency 1, workerd's own idle work) to leave a usable figure. */
export const cpuPerRequest = (entry) => (entry.count >= 300 ? (entry.cpuMs / entry.count) * 1000 : null);

/** The kernel's part of `cpuPerRequest`, in µs. */
export const kernelPerRequest = (entry) => (entry.count >= 300 ? (entry.kernelMs / entry.count) * 1000 : null);

/**
 * `a[i] ÷ b[i]` for figures of two sides measured in the same rounds, as their median and the
 * interval that holds the median with 95 % confidence (`medianInterval`): "0.92× (0.85–0.99)".
 * Pairing each round's figures cancels the machine's slower drifts, and the interval says whether
 * a ratio is told apart from 1 by this run at all. A dash when there are no such rounds.
 */
export function pairedRatio(a, b) {
  if (a.length === 0 || a.length !== b.length) return "–";
  const { median, low, high } = medianInterval(a.map((x, i) => x / b[i]));
  return `${median.toFixed(2)}× (${low.toFixed(2)}–${high.toFixed(2)})`;
}

/** An entry as a table cell. */
export const figures = (entry) =>
  `p50 ${median(entry.latencies).toFixed(2)} ms, p99 ${percentile(entry.latencies, 99).toFixed(2)} ms, ${median(entry.rates).toFixed(0)} req/s` +
  (cpuPerRequest(entry)
    ? `, workerd CPU ${cpuPerRequest(entry).toFixed(0)} µs/request (${kernelPerRequest(entry).toFixed(0)} in the kernel)`
    : "");
