// `npm run bench -- --only profile`: where an org read and a replay spend the isolate's time, the
// worker's beside the JavaScript peer's. Both run under `wrangler dev` and are sampled by V8's
// CPU profiler over the inspector while each path is sent many times: first coarsely, side by
// side (busy time per request, by where it ran: our wasm, the JS glue, the runtime), then the
// worker finely, built with its function names kept, its self time summed by function.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./toolchain.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";
import { startPeer } from "./bench-peer.mjs";
import { PEER_LIKE_WORKER_VARS } from "./bench-load.mjs";

/** A devtools session with the worker's isolate. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  // The inspector proxy accepts devtools pages only: say so (undici takes headers here).
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { origin: "https://devtools.devprod.cloudflare.dev" } });
  await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
  let nextId = 1;
  const pending = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Self time by function name, in ms, largest first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const frame = node.callFrame;
    const name = frame.functionName || `(${frame.url.split("/").pop() || "anonymous"})`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** Busy time (everything but idle) by where it ran, in ms: our wasm, the JS around it, the runtime. */
function byPlace(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const places = {};
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const { url, functionName } = byId.get(profile.samples[i]).callFrame;
    if (functionName === "(idle)") continue;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const place = url.startsWith("wasm:")
      ? "Rust (wasm)"
      : url.includes("cloudflare-internal")
        ? "D1 client (runtime JS)"
        : url
          ? "JS (bindgen glue, shims)"
          : functionName === "(garbage collector)"
            ? "garbage collector"
            : "runtime (builtins, C++)";
    places[place] = (places[place] ?? 0) + ms;
    busy += ms;
  }
  return { busy, places };
}

/** Samples `count` sequential requests to one isolate; the profile, or null without an isolate to inspect. */
async function sample(target, intervalMicros, count, send) {
  const devtools = await inspect(target.inspectorPort);
  try {
    await devtools.send("Profiler.enable");
    await devtools.send("Profiler.setSamplingInterval", { interval: intervalMicros });
    await devtools.send("Profiler.start");
    for (let i = 0; i < count; i++) await send();
    return (await devtools.send("Profiler.stop")).result.profile;
  } finally {
    devtools.close();
  }
}

export async function benchProfile({ report }) {
  run("node", ["scripts/build.mjs"], { env: { ...process.env, BENCH: "0", EDGE_AUTH_SKIP_BUILD: "0", KEEP_WASM_NAMES: "1" } });
  run("cargo", ["build", "--release", "--bin", "workos-stand-in"]);
  const standIn = await startStandIn();
  const targets = {};
  const command = "npm run bench -- --only profile";
  try {
    targets.worker = await startWorker(standIn, PEER_LIKE_WORKER_VARS);
    targets.peer = await startPeer(standIn);
    const token = (await standIn.token({ email: "profile@bench.example" })).access_token;
    const orgs = {};
    for (const [side, target] of Object.entries(targets)) {
      const first = await fetch(`${target.base}/v1/auth/web/callback`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      orgs[side] = (await first.json()).workspace.id;
    }
    const paths = [
      ["GET /v1/orgs/{id}", "GET", (side) => `/v1/orgs/${orgs[side]}`],
      ["replay", "POST", () => "/v1/auth/web/callback"],
    ];
    for (const [name, method, path] of paths) {
      // Side by side: the whole isolate's busy time per request (1 ms samples: the profiler's
      // own cost stays small), rounds alternating which side goes first.
      const count = 600;
      const totals = { worker: { busy: 0, places: {} }, peer: { busy: 0, places: {} } };
      for (let round = 0; round < 4; round++) {
        for (const side of round % 2 ? ["peer", "worker"] : ["worker", "peer"]) {
          const url = `${targets[side].base}${path(side)}`;
          const send = async () => (await fetch(url, { method, headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
          const { busy, places } = byPlace(await sample(targets[side], 1000, count / 4, send));
          totals[side].busy += busy;
          for (const [place, ms] of Object.entries(places)) totals[side].places[place] = (totals[side].places[place] ?? 0) + ms;
        }
      }
      const perRequest = (ms) => `${((ms / count) * 1000).toFixed(0)} µs`;
      for (const side of ["worker", "peer"]) {
        const { busy, places } = totals[side];
        const parts = Object.entries(places).sort((a, b) => b[1] - a[1]).map(([place, ms]) => `${place} ${perRequest(ms)}`);
        report(`8. ${name}: isolate CPU per request, ${side}`, `${perRequest(busy)} (${parts.join(", ")})`, command);
      }
      report(`8. ${name}: isolate CPU, worker ÷ peer`, `${(totals.worker.busy / totals.peer.busy).toFixed(2)}×`, command);

      // The worker alone, finely (50 µs samples: slower, but names the functions).
      const url = `${targets.worker.base}${path("worker")}`;
      const profile = await sample(targets.worker, 50, 400, async () => (await fetch(url, { method, headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
      // PROFILE_DIR=dir keeps each profile (open it in Chrome's devtools, Performance panel).
      if (process.env.PROFILE_DIR) writeFileSync(join(process.env.PROFILE_DIR, `${name.replace(/\W+/g, "-")}.cpuprofile`), JSON.stringify(profile));
      const busy = selfTimes(profile).filter(([fn]) => fn !== "(idle)" && fn !== "(program)" && fn !== "(garbage collector)");
      const total = busy.reduce((sum, [, ms]) => sum + ms, 0);
      for (const [fn, ms] of busy.slice(0, 12)) {
        report(`8. ${name}, worker, 50 µs samples: ${fn.slice(0, 80)}`, `${((ms / total) * 100).toFixed(0)}%`, command);
      }
    }
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
