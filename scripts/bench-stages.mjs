// `npm run bench -- --only stages`: where an org read's CPU goes, measured as whole requests. A
// benchmark build answers `GET /v1/orgs/{id}?__stage=…` with a constant body once it has done
// what the read does up to that stage (`src/shell/bench_stages.rs`): at the wasm export; after
// the shell's intake; after that and one D1 primary-key read through the adapter; after that
// and the org read's own statement. The full read and the two floors run beside them. Every
// round sends each load once in a turned order (bench-load.mjs), and each stage's cost over the
// one before is the median of the rounds' differences in workerd CPU per request, with its 95 %
// interval. (The V8 profile's shares say where samples fell, not what a request would cost
// without a part: its largest line, `queueMicrotask`, cost nothing when taken out.) The full
// read of a benchmark build also times itself for its `Server-Timing` header, a few µs.
import { medianInterval } from "./statistics.mjs";
import { BENCH_TOKEN_TTL_SECONDS, bearer, cpuPerRequest, inRoundOrder, measure, newEntry, pairedRatio } from "./bench-load.mjs";
import { startFloor, startRustFloor } from "./bench-peer.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";

/** Requests per load: 600 at c = 16, as the peer bench's read-path probes. */
const PER_LOAD = 600;
const CONCURRENCY = 16;

/** `a[i] − b[i]` of two loads' CPU rounds, median and 95 % interval: "+138 µs (+40 to +210)". */
function pairedDifference(a, b) {
  const { median, low, high } = medianInterval(a.map((x, i) => x - b[i]));
  const signed = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(0)}`;
  return `${signed(median)} µs (${signed(low)} to ${signed(high)})`;
}

export async function benchStages({ report, rounds, script }) {
  const standIn = await startStandIn();
  const targets = {};
  const command = "npm run bench -- --only stages";
  try {
    targets.worker = await startWorker(standIn, { WORKOS_API_KEY: "", JWKS_REFETCH_COOLDOWN_SECONDS: "30" }, { script });
    targets.floor = await startFloor();
    targets.rustFloor = await startRustFloor();
    const token = (await standIn.token({ email: "stages@bench.example", ttl_seconds: BENCH_TOKEN_TTL_SECONDS })).access_token;
    const first = await fetch(`${targets.worker.base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
    const { workspace, user } = await first.json();
    const read = `/v1/orgs/${workspace.id}`;
    // [name, target, path]: the worker's stages in the order they build on each other, the full
    // read last; then the floors.
    const stages = [
      ["export", "worker", `${read}?__stage=export`],
      ["intake", "worker", `${read}?__stage=intake`],
      ["one read", "worker", `${read}?__stage=one-read`],
      ["statement", "worker", `${read}?__stage=statement&user=${user.id}`],
      ["full org read", "worker", read],
    ];
    const loads = [...stages, ["Rust floor", "rustFloor", "/"], ["JS floor", "floor", "/"]];
    const requests = (path) => Array.from({ length: PER_LOAD }, () => ({ method: "GET", path, headers: bearer(token) }));
    for (const [name, target, path] of loads) {
      const answer = await fetch(targets[target].base + path, { headers: bearer(token) });
      if (answer.status !== 200) throw new Error(`${name}: ${answer.status} ${await answer.text()}`);
      await measure(targets[target], requests(path).slice(0, 200), CONCURRENCY, newEntry()); // warm-up
    }
    const results = Object.fromEntries(loads.map(([name]) => [name, newEntry()]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, target, path] of inRoundOrder(loads, round)) await measure(targets[target], requests(path), CONCURRENCY, results[name]);
    }
    const cpu = (name) => results[name].cpuRounds;
    for (const [name] of loads) report(`11. ${name}: workerd CPU per request, c=${CONCURRENCY}`, `${cpuPerRequest(results[name]).toFixed(0)} µs`, command);
    for (let i = 1; i < stages.length; i++) {
      const [name] = stages[i];
      const [before] = stages[i - 1];
      report(`11. ${name} over ${before}`, pairedDifference(cpu(name), cpu(before)), command);
    }
    report("11. one read over the Rust floor", `${pairedDifference(cpu("one read"), cpu("Rust floor"))}; floor ÷ it ${pairedRatio(cpu("Rust floor"), cpu("one read"))}`, command);
    // As the peer bench puts its ratios: the cheaper side's CPU over the dearer's.
    report("11. Rust floor ÷ full org read, CPU", pairedRatio(cpu("Rust floor"), cpu("full org read")), command);
    report("11. JS floor ÷ Rust floor, CPU", pairedRatio(cpu("JS floor"), cpu("Rust floor")), command);
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
