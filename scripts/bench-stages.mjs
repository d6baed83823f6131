// `npm run bench -- --only stages`: where an org read's CPU goes, measured as whole requests. A
// benchmark build answers `GET /v1/orgs/{id}?__stage=…` with a constant body once it has done
// what the read does up to that stage (`src/shell/bench_stages.rs`): at the wasm export; after
// the shell's intake; after that and one D1 primary-key read through the adapter; after that
// and the org read's own statement; the same, answered as an org read is (its body and
// headers; the stages before it answer what the floors answer). Two instances of the build
// run, and each stage is loaded on one of them together with the stage before it on the other
// (the instances swap every round), so that what the machine does meanwhile falls on both
// (bench-load.mjs's measureTogether says why that matters here); the full read goes beside the
// read's answer and beside the Rust floor, the one read beside the floor, the export beside the
// JS floor's constant answer, and the floors beside each other. Each pair's figure is the median
// of the rounds' differences in workerd CPU per request, with its 95 % interval. (The V8
// profile's shares say where samples fell, not what a request would cost without a part: its
// largest line, `queueMicrotask`, cost nothing when taken out.) The full read of a benchmark
// build also times itself for its `Server-Timing` header, a few µs.
import { medianInterval } from "./statistics.mjs";
import { BENCH_TOKEN_TTL_SECONDS, CONCURRENCY_PER_SIDE, PEER_LIKE_WORKER_VARS, bearer, cpuPerRequest, inRoundOrder, measure, measureTogether, newEntry, pairedRatio } from "./bench-load.mjs";
import { startFloor, startRustFloor } from "./bench-peer.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";

/** Requests per load and side: 600, as the peer bench's read-path probes. */
const PER_LOAD = 600;

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
    // Two instances of the benchmark build: a stage and the one before it are loaded together,
    // one on each, and the instances swap every round.
    targets.worker = await startWorker(standIn, PEER_LIKE_WORKER_VARS, { script });
    targets.twin = await startWorker(standIn, PEER_LIKE_WORKER_VARS, { script });
    targets.floor = await startFloor();
    targets.rustFloor = await startRustFloor();
    const token = (await standIn.token({ email: "stages@bench.example", ttl_seconds: BENCH_TOKEN_TTL_SECONDS })).access_token;
    // Each instance's stage paths (its own database, so its own workspace), by stage name.
    const stagePaths = {};
    for (const instance of ["worker", "twin"]) {
      const first = await fetch(`${targets[instance].base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
      const { workspace, user } = await first.json();
      const read = `/v1/orgs/${workspace.id}`;
      stagePaths[instance] = {
        export: `${read}?__stage=export`,
        intake: `${read}?__stage=intake`,
        "one read": `${read}?__stage=one-read`,
        statement: `${read}?__stage=statement&user=${user.id}`,
        "the read's answer": `${read}?__stage=answer&user=${user.id}`,
        "full org read": read,
      };
    }
    // The worker's stages in the order they build on each other, the full read last.
    const stages = Object.keys(stagePaths.worker);
    const stage = (name) => (instance) => [targets[instance], stagePaths[instance][name]];
    const on = (target, path) => () => [targets[target], path];
    // Each pair: [the first side's name, the second's, the two sides]; a side gives [target, path]
    // for an instance (the worker's sides take the two instances in turns; the floors ignore it).
    const pairs = [
      ...stages.slice(1).map((name, i) => [name, stages[i], stage(name), stage(stages[i])]),
      ["one read", "the Rust floor", stage("one read"), on("rustFloor", "/")],
      ["full org read", "the Rust floor", stage("full org read"), on("rustFloor", "/")],
      ["export", "the JS floor's constant answer", stage("export"), on("floor", "/constant")],
      ["the Rust floor", "the JS floor", on("rustFloor", "/"), on("floor", "/")],
    ];
    const requests = (path) => Array.from({ length: PER_LOAD }, () => ({ method: "GET", path, headers: bearer(token) }));
    const warmUps = [...stages.flatMap((name) => ["worker", "twin"].map(stage(name))), on("floor", "/")(), on("floor", "/constant")(), on("rustFloor", "/")()];
    for (const [target, path] of warmUps) {
      const answer = await fetch(target.base + path, { headers: bearer(token) });
      if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
      await measure(target, requests(path).slice(0, 200), CONCURRENCY_PER_SIDE, newEntry());
    }
    const results = pairs.map(() => [newEntry(), newEntry()]);
    for (let round = 0; round < rounds; round++) {
      for (const index of inRoundOrder(pairs.map((_, index) => index), round)) {
        const instances = round % 2 ? ["twin", "worker"] : ["worker", "twin"];
        const sides = pairs[index].slice(2).map((side, i) => side(instances[i]));
        await measureTogether(sides.map(([target, path], i) => [target, requests(path), results[index][i]]), round);
      }
    }
    pairs.forEach(([name, beforeName], index) => {
      const [it, before] = results[index];
      report(
        `11. ${name} over ${beforeName}`,
        `${pairedDifference(it.cpuRounds, before.cpuRounds)}; ${cpuPerRequest(it).toFixed(0)} against ${cpuPerRequest(before).toFixed(0)} µs; ${beforeName} ÷ ${name} ${pairedRatio(before.cpuRounds, it.cpuRounds)}`,
        command,
      );
    });
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
