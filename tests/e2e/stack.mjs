// Starts what an end-to-end test talks to: the WorkOS stand-in (the release binary built by
// `npm test`) and the built worker under `wrangler dev` with a throwaway local D1/KV state.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, run, startService, stopService, toolEnv } from "../../scripts/toolchain.mjs";

export const CLIENT_ID = "client_e2e";
export const WORKOS_API_KEY = "sk_test_e2e";

/** A loopback port free at the moment of asking. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startStandIn() {
  const binary = join(ROOT, "target", "release", "workos-stand-in");
  const { child, match, tail } = await startService(
    binary,
    ["--port", "0", "--client-id", CLIENT_ID, "--api-key", WORKOS_API_KEY],
    { ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/, name: "workos-stand-in", timeoutMs: 30_000 },
  );
  const url = match[1];
  const post = async (path, body = {}) => {
    const response = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`stand-in ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    url,
    child,
    /** The stand-in's latest output, for a failing test to print. */
    tail,
    /** Mints an access token; returns { access_token, user_id, claims, kid }. */
    token: (claims = {}) => post("/__dev/tokens", claims),
    rotateKey: (retirePrevious = false) => post("/__dev/rotate-key", { retire_previous: retirePrevious }),
    outage: (mode) => post("/__dev/outage", { mode }),
    stats: async () => (await fetch(`${url}/__dev/stats`)).json(),
    resetStats: () => post("/__dev/stats/reset"),
    stop: () => stopService(child),
  };
}

const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");

/** A new directory of local state (D1 and KV, as `--persist-to` takes it) with the migrations
 * applied to the worker's D1; with `migrationsDir`, that directory's instead (run in order, not
 * recorded as applied). */
export function migratedState(migrationsDir) {
  const state = mkdtempSync(join(tmpdir(), "edge-auth-e2e-"));
  const quiet = { stdio: ["ignore", "ignore", "inherit"] };
  if (!migrationsDir) {
    run(wrangler, ["d1", "migrations", "apply", "edge-auth", "--local", "--persist-to", state], quiet);
    return state;
  }
  // Another build's schema (a benchmark's baseline from before a migration): its files, in order.
  for (const file of readdirSync(migrationsDir).filter((name) => name.endsWith(".sql")).sort()) {
    run(wrangler, ["d1", "execute", "edge-auth", "--local", "--persist-to", state, "--file", join(migrationsDir, file)], quiet);
  }
  return state;
}

/**
 * Starts a worker against `standIn`; `vars` override wrangler.toml's [vars]. With `state` (the
 * `state` of a worker started before and stopped with `keepState`), it starts on that D1 and KV:
 * a new isolate of a deployment that has been running. With `script`, it runs that entry (another
 * build's, such as a benchmark build's) with wrangler.toml's configuration; with `testScheduled`,
 * `GET /__scheduled` runs the cron handler (wrangler wraps the worker for it, so not by default);
 * `v8Flags` go to its workerd's V8 (benchmarks only: `npm run bench -- --only cold`).
 */
export async function startWorker(standIn, vars = {}, { state: earlier, script, testScheduled = false, v8Flags = [] } = {}) {
  const state = earlier ?? migratedState();
  const allVars = {
    WORKOS_CLIENT_ID: CLIENT_ID,
    WORKOS_API_BASE: standIn.url,
    WORKOS_API_KEY,
    AUTHKIT_DOMAIN: standIn.url,
    JWKS_REFETCH_COOLDOWN_SECONDS: "3",
    ...vars,
  };
  const varArgs = Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  // A port found free can be taken before wrangler binds it (concurrent test files each start a
  // wrangler, and workerd binds ports of its own): then start again on other ports.
  let child, tail, port, inspectorPort;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    // Concurrent test files each run a wrangler: give each its own devtools port too.
    inspectorPort = await freePort();
    try {
      ({ child, tail } = await startService(
        wrangler,
        ["dev", ...(script ? [script] : []), ...(testScheduled ? ["--test-scheduled"] : []), "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs],
        {
          ready: /Ready on http/,
          name: "wrangler",
          env: { EDGE_AUTH_SKIP_BUILD: "1", ...(v8Flags.length ? { MINIFLARE_WORKERD_V8_FLAGS: v8Flags.join(" ") } : {}) },
          timeoutMs: 180_000,
        },
      ));
      break;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error.message))) throw error;
    }
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    state,
    /** The devtools (V8 inspector) port of the worker, for profiles. */
    inspectorPort,
    /** The wrangler process (its workerd is a descendant), for CPU accounting. */
    pid: child.pid,
    /** wrangler's latest output (the worker's logs among it), for a failing test to print. */
    tail,
    /** fetch against the worker with a JSON body and an optional bearer. */
    request: async (method, path, { bearer, body, headers = {} } = {}) => {
      const init = { method, headers: { ...headers } };
      if (bearer) init.headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) {
        init.headers["content-type"] = "application/json";
        init.body = typeof body === "string" ? body : JSON.stringify(body);
      }
      const response = await fetch(`${base}${path}`, init);
      // Every answer of every test: a Retry-After is one number of seconds (two headers would
      // reach a client joined, as "5, 5").
      const retryAfter = response.headers.get("retry-after");
      if (retryAfter !== null && !/^\d+$/.test(retryAfter)) {
        throw new Error(`${method} ${path}: Retry-After is ${JSON.stringify(retryAfter)}`);
      }
      const text = await response.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: response.status, headers: response.headers, text, json };
    },
    /** Runs SQL against this worker's local D1 and returns the rows. */
    sql: (query) => {
      const out = spawnSync(wrangler, ["d1", "execute", "edge-auth", "--local", "--persist-to", state, "--json", "--command", query], {
        cwd: ROOT, encoding: "utf8", env: toolEnv(),
      });
      if (out.status !== 0) throw new Error(`d1 execute failed: ${out.stderr}`);
      return JSON.parse(out.stdout)[0].results;
    },
    /**
     * Stops the worker; its D1 and KV go too unless `keepState` (then the caller removes them).
     * The promise settles once wrangler has exited.
     */
    stop: ({ keepState = false } = {}) => {
      const exited = child.exitCode !== null ? Promise.resolve() : new Promise((done) => child.once("exit", done));
      stopService(child);
      if (!keepState) rmSync(state, { recursive: true, force: true });
      return exited;
    },
  };
}

/** The stand-in and a worker beside it, stopped together; `options` as `startWorker`'s (a
 * benchmark build's `script`). */
export async function startStack(vars = {}, options = {}) {
  const standIn = await startStandIn();
  // Children run in their own process groups: stop them even if this test process dies early.
  process.on("exit", () => standIn.stop());
  try {
    const worker = await startWorker(standIn, vars, options);
    process.on("exit", () => worker.stop());
    return { standIn, worker, stop: () => (worker.stop(), standIn.stop()) };
  } catch (error) {
    standIn.stop();
    throw error;
  }
}

/**
 * For `afterEach`: when the test `t` failed, prints the latest output of `stack`'s `wrangler dev`
 * (its request log and the worker's own) and of its stand-in, otherwise not shown, after any
 * `more` sections ({ title: text }). A timeout says nothing about which request never came back.
 */
export function reportIfFailed(t, stack, more = {}) {
  if (t.passed || !stack) return;
  const sections = {
    ...more,
    "wrangler dev, latest output": stack.worker.tail(),
    "the WorkOS stand-in, latest output": stack.standIn.tail(),
  };
  for (const [title, text] of Object.entries(sections)) {
    console.log(`\n--- ${title} (after "${t.name}" failed)\n${text.trimEnd()}`);
  }
}

/**
 * A browser's hosted sign-in from `worker`'s `path` (a `/v1/auth/login?…`): AuthKit's page (checked by
 * `checkAuthorize`, given its URL), approved as `email`, and the callback; the callback's answer.
 */
export async function hostedSignIn(worker, path, email, checkAuthorize = () => {}) {
  const login = await fetch(new URL(path, worker.base), { redirect: "manual" });
  assert.equal(login.status, 302, await login.text());
  const authorize = new URL(login.headers.get("location"));
  checkAuthorize(authorize);
  authorize.pathname = "/user_management/authorize/approve";
  authorize.searchParams.set("email", email);
  const approved = await fetch(authorize, { redirect: "manual" });
  const flow = login.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-edge_auth_flow="));
  const callback = await fetch(approved.headers.get("location"), { redirect: "manual", headers: { cookie: flow } });
  assert.equal(callback.status, 302, await callback.text());
  return callback;
}
