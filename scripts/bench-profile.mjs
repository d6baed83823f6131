// `npm run bench -- --only profile`: where an org read and a replay spend the worker's time. The
// release worker is built with its function names kept, run under `wrangler dev`, and sampled
// by V8's CPU profiler over the inspector while each path is sent many times; the self time is
// summed by function (wasm functions by their Rust names) and the largest are printed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./toolchain.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";

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

export async function benchProfile({ report }) {
  run("node", ["scripts/build.mjs"], { env: { ...process.env, BENCH: "0", EDGE_AUTH_SKIP_BUILD: "0", KEEP_WASM_NAMES: "1" } });
  run("cargo", ["build", "--release", "--bin", "workos-stand-in"]);
  const standIn = await startStandIn();
  const worker = await startWorker(standIn, { WORKOS_API_KEY: "", JWKS_REFETCH_COOLDOWN_SECONDS: "30" });
  try {
    const token = (await standIn.token({ email: "profile@bench.example" })).access_token;
    const first = await worker.request("POST", "/v1/auth/web/callback", { bearer: token });
    const org = first.json.workspace.id;
    const devtools = await inspect(worker.inspectorPort);
    await devtools.send("Profiler.enable");
    await devtools.send("Profiler.setSamplingInterval", { interval: 50 });
    for (const [name, method, path] of [["GET /v1/orgs/{id}", "GET", `/v1/orgs/${org}`], ["replay", "POST", "/v1/auth/web/callback"]]) {
      await devtools.send("Profiler.start");
      const count = 400;
      for (let i = 0; i < count; i++) await worker.request(method, path, { bearer: token });
      const { result } = await devtools.send("Profiler.stop");
      // PROFILE_DIR=dir keeps each profile (open it in Chrome's devtools, Performance panel).
      if (process.env.PROFILE_DIR) writeFileSync(join(process.env.PROFILE_DIR, `${name.replace(/\W+/g, "-")}.cpuprofile`), JSON.stringify(result.profile));
      const times = selfTimes(result.profile);
      const busy = times.filter(([fn]) => fn !== "(idle)" && fn !== "(program)" && fn !== "(garbage collector)");
      const total = busy.reduce((sum, [, ms]) => sum + ms, 0);
      report(`8. ${name}: isolate CPU per request (sampled)`, `${((total / count) * 1000).toFixed(0)} µs`, "npm run bench -- --only profile");
      for (const [fn, ms] of busy.slice(0, 12)) {
        report(`8. ${name}: ${fn.slice(0, 90)}`, `${((ms / count) * 1000).toFixed(1)} µs (${((ms / total) * 100).toFixed(0)}%)`, "npm run bench -- --only profile");
      }
    }
    devtools.close();
  } finally {
    worker.stop();
    standIn.stop();
  }
}
