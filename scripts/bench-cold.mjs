// `npm run bench -- --only cold`: the first request of a fresh isolate, the worker's beside the
// peer's. Each round starts each side anew under `wrangler dev` (workerd compiles and
// instantiates the module as it starts; the first request then pays what is left: the first
// reads of config and bindings, the JWKS, the first D1 batch, cold JIT) and sends one first
// sign-in, then five more to give the warm figure of the same path. The worker runs twice: on
// an empty D1 and KV (the first isolate a deployment ever has), then again on what that run left
// (a new isolate of a deployment that has been running: the key set is in KV), and a third time,
// also on that state, with its wasm compiled as the module loads (V8 flags), which shows how much
// of the first request's work is V8 compiling the functions it calls: V8 compiles wasm lazily,
// and workerd flushes what was compiled at a module's start before the first request (below).
// Its answers say what it waited on (`Server-Timing`, benchmark builds only). Medians over the
// rounds.
import { rmSync } from "node:fs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";
import { startPeer } from "./bench-peer.mjs";
import { PEER_LIKE_WORKER_VARS, bearer } from "./bench-load.mjs";
import { median } from "./statistics.mjs";

/** One first sign-in with a new token: milliseconds, and the worker's Server-Timing if any. */
async function firstSignIn(base, standIn, email) {
  const token = (await standIn.token({ email })).access_token;
  const sent = process.hrtime.bigint();
  const response = await fetch(`${base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`${base}: ${response.status}`);
  const ms = Number(process.hrtime.bigint() - sent) / 1e6;
  const timing = Object.fromEntries(
    (response.headers.get("server-timing") ?? "").split(",").filter(Boolean).map((entry) => {
      const [name, duration] = entry.trim().split(";dur=");
      return [name, Number(duration)];
    }),
  );
  return { ms, timing };
}

const SIDES = {
  "worker, empty KV": "worker, a deployment's first isolate (D1 and KV empty)",
  "worker, key set in KV": "worker, a new isolate of a running deployment (key set in KV)",
  "worker, compiled up front": "the same, its wasm compiled as the module loads (V8 flags)",
  peer: "peer",
};

// V8 compiles a wasm function when it is first called (Liftoff), and flushes all Liftoff code
// of the process whenever workerd creates an isolate (its constructor signals memory pressure;
// V8's `--flush-liftoff-code`), so code compiled while the module starts is gone again before
// the first request. With these flags the whole module is compiled as it loads and stays.
const COMPILED_UP_FRONT = ["--no-wasm-lazy-compilation", "--no-flush-liftoff-code"];

export async function benchCold({ report, rounds, script }) {
  const standIn = await startStandIn();
  const command = "npm run bench -- --only cold";
  const results = Object.fromEntries(Object.keys(SIDES).map((side) => [side, { first: [], warm: [], timings: [] }]));
  const measure = async (side, target, round) => {
    const tag = side.replace(/\W+/g, "-");
    const first = await firstSignIn(target.base, standIn, `cold-${tag}-${round}@bench.example`);
    results[side].first.push(first.ms);
    results[side].timings.push(first.timing);
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push((await firstSignIn(target.base, standIn, `warm-${tag}-${round}-${i}@bench.example`)).ms);
    results[side].warm.push(median(warm));
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const worker = async () => {
        const empty = await startWorker(standIn, PEER_LIKE_WORKER_VARS, { script });
        try {
          await measure("worker, empty KV", empty, round);
        } finally {
          await empty.stop({ keepState: true });
        }
        // Two new isolates on what that run left, as the worker runs and compiled up front; which
        // goes first flips each round.
        const restarts = [
          ["worker, key set in KV", []],
          ["worker, compiled up front", COMPILED_UP_FRONT],
        ];
        try {
          for (const [side, v8Flags] of round % 2 ? restarts.reverse() : restarts) {
            const running = await startWorker(standIn, PEER_LIKE_WORKER_VARS, { state: empty.state, script, v8Flags });
            try {
              await measure(side, running, round);
            } finally {
              await running.stop({ keepState: true });
            }
          }
        } finally {
          rmSync(empty.state, { recursive: true, force: true });
        }
      };
      const peer = async () => {
        const target = await startPeer(standIn);
        try {
          await measure("peer", target, round);
        } finally {
          target.stop();
        }
      };
      for (const run of round % 2 ? [peer, worker] : [worker, peer]) await run();
    }
    // Inside the worker, the time not spent waiting on a binding: compiling and running code.
    const working = (side) => median(results[side].timings.map((t) => t.total - t.kv - t.fetch - t.d1));
    for (const [side, label] of Object.entries(SIDES)) {
      const { first, warm, timings } = results[side];
      const waits = ["kv", "fetch", "d1"]
        .filter((name) => timings.some((timing) => name in timing))
        .map((name) => `${name} ${median(timings.map((timing) => timing[name])).toFixed(0)}`);
      const inside = waits.length
        ? `; inside the worker ${median(timings.map((t) => t.total)).toFixed(0)} ms: waiting on ${waits.join(", ")} ms, working ${working(side).toFixed(0)} ms`
        : "";
      report(`9. fresh isolate, first request (a first sign-in): ${label}`, `${median(first).toFixed(1)} ms (warm: ${median(warm).toFixed(1)} ms)${inside}`, command);
    }
    for (const side of ["worker, empty KV", "worker, key set in KV", "worker, compiled up front"]) {
      const gap = median(results[side].first) - median(results.peer.first);
      report(`9. fresh isolate, first request: ${side} − peer`, `${gap >= 0 ? "+" : ""}${gap.toFixed(1)} ms`, command);
    }
    const compiling = working("worker, key set in KV") - working("worker, compiled up front");
    report(
      "9. fresh isolate, first request: of the worker's work, V8 compiling its wasm",
      `${compiling.toFixed(1)} ms of ${working("worker, key set in KV").toFixed(1)} ms (working minus working compiled up front)`,
      command,
    );
  } finally {
    standIn.stop();
  }
}
