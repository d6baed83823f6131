// `npm run bench -- --only peer`: the worker side by side with the JavaScript peer
// (../shared/peer: jose + WebCrypto + plain D1), both under `wrangler dev` against one WorkOS
// stand-in, the email taken from the token in both. Four paths at concurrency 1 and 16, and
// beside them the floors (minimal JS and workers-rs workers answering one D1 primary-key read),
// all interleaved: each round sends every load once, in an order turned every round
// (bench-load.mjs's inRoundOrder). The ratios of throughput and of workerd's CPU per request are
// taken per round (their median and its 95 % interval: bench-load.mjs's pairedRatio). Then the
// cookie session beside the bearer (bench-session.mjs). A benchmark, not a test.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, run, runWorkerBuild, startService, stopService } from "./toolchain.mjs";
import { BENCH_TOKEN_TTL_SECONDS, PEER_LIKE_WORKER_VARS, bearer, figures, inRoundOrder, measure, newEntry, pairedRatio } from "./bench-load.mjs";
import { benchSession } from "./bench-session.mjs";
import { CLIENT_ID, freePort, migratedState, startStandIn, startWorker } from "../tests/e2e/stack.mjs";

const PEER_SOURCE = join(ROOT, "..", "shared", "peer");
const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");

/** A worker directory under `wrangler dev` with its own local D1 (migrations applied). */
async function startDirectory(name, directory, database, vars) {
  const state = mkdtempSync(join(tmpdir(), `edge-auth-bench-${name}-`));
  run(wrangler, ["d1", "migrations", "apply", database, "--local", "--persist-to", state], { cwd: directory, stdio: ["ignore", "ignore", "inherit"] });
  const port = await freePort();
  const inspector = await freePort();
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs];
  const { child } = await startService(wrangler, args, { ready: /Ready on http/, name, timeoutMs: 180_000, cwd: directory });
  return { base: `http://127.0.0.1:${port}`, inspectorPort: inspector, pid: child.pid, stop: () => (stopService(child), rmSync(state, { recursive: true, force: true })) };
}

/** The peer, copied out of ../shared/peer (read-only where CI lays it) with jose installed. */
function peerCopy() {
  const directory = join(ROOT, "target", "bench-peer");
  if (!existsSync(join(directory, "node_modules", "jose"))) {
    rmSync(directory, { recursive: true, force: true });
    cpSync(PEER_SOURCE, directory, { recursive: true });
    // Only jose: the peer runs under this repository's wrangler (the same version it pins).
    run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund"], { cwd: directory });
  }
  return directory;
}

/** A copy of the peer in `directory` under `wrangler dev`, against the stand-in. */
const startPeerIn = (name, directory, standIn) =>
  startDirectory(name, directory, "ref-db", { WORKOS_API_BASE: standIn.url, WORKOS_CLIENT_ID: CLIENT_ID });

export async function startPeer(standIn) {
  return startPeerIn("peer", peerCopy(), standIn);
}

/**
 * The peer with its token decoded instead of verified (jose's `decodeJwt` where it calls
 * `jwtVerify`), for what its verification costs it (bench-peer-verification.mjs). Never a target
 * of the worker's comparisons: it accepts any token.
 */
export async function startUnverifiedPeer(standIn) {
  const directory = join(ROOT, "target", "bench-peer-unverified");
  rmSync(directory, { recursive: true, force: true });
  cpSync(peerCopy(), directory, { recursive: true });
  const source = join(directory, "src", "index.js");
  const verifying = readFileSync(source, "utf8");
  const decoding = verifying
    .replace(/import \{ (.*)jwtVerify \} from "jose";/, 'import { $1jwtVerify, decodeJwt } from "jose";')
    .replace(/await jwtVerify\(auth\.slice\(7\),[^;]*\)/, "({ payload: decodeJwt(auth.slice(7)) })");
  if (!decoding.includes("decodeJwt } from") || !decoding.includes("payload: decodeJwt") || decoding.includes("jwtVerify(")) {
    throw new Error(`the peer's ${source} no longer verifies as this bench expects: update startUnverifiedPeer`);
  }
  writeFileSync(source, decoding);
  return startPeerIn("peer-unverified", directory, standIn);
}

/**
 * Another release build of the worker, in `directory` (`BUILD_DIR=DIR node scripts/build.mjs` on
 * the code to compare with), as this one runs: the other side of an A/B (`--against DIR`). A build
 * from before a migration runs on its own schema, `DIR/migrations`, when that is there.
 */
export async function startBaseline(standIn, directory) {
  const script = join(resolve(directory), "worker", "shim.mjs");
  if (!existsSync(script)) throw new Error(`--against ${directory}: no build there (${script} is missing)`);
  const migrations = join(resolve(directory), "migrations");
  const state = existsSync(migrations) ? migratedState(migrations) : undefined;
  return startWorker(standIn, PEER_LIKE_WORKER_VARS, { script, state });
}

/** The JS floor: one D1 primary-key read per request, nothing else. */
export async function startFloor() {
  const directory = join(ROOT, "target", "bench-floor");
  mkdirSync(join(directory, "migrations"), { recursive: true });
  writeFileSync(
    join(directory, "index.js"),
    `export default { async fetch(request, env) {
  const read = () => env.DB.prepare("SELECT id, name FROM items WHERE id = ?1").bind("item_1");
  // /constant: no read, a constant answer (the stages bench's counterpart of its export stage).
  if (new URL(request.url).pathname === "/constant") {
    return new Response('{"id":"item_1","name":"one"}', { headers: { "content-type": "application/json" } });
  }
  // /batch13: the same read thirteen times in one batch, the statement count of our sign-in batch.
  if (new URL(request.url).pathname === "/batch13") {
    const results = await env.DB.batch(Array.from({ length: 13 }, read));
    return new Response(JSON.stringify(results[0].results[0]), { headers: { "content-type": "application/json" } });
  }
  const row = await read().first();
  return new Response(JSON.stringify(row), { headers: { "content-type": "application/json" } });
} };\n`,
  );
  writeFileSync(
    join(directory, "migrations", "0001_items.sql"),
    "CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO items VALUES ('item_1', 'one');\n",
  );
  writeFileSync(
    join(directory, "wrangler.toml"),
    `name = "floor"\nmain = "index.js"\ncompatibility_date = "2025-11-01"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "floor-db"\ndatabase_id = "00000000-0000-0000-0000-00000000000f"\nmigrations_dir = "migrations"\n`,
  );
  return startDirectory("floor", directory, "floor-db", {});
}

/** The Rust floor (crates/bench-floor): the same read from a minimal Rust worker, built as the worker is. */
export async function startRustFloor() {
  const directory = join(ROOT, "crates", "bench-floor");
  runWorkerBuild(["--release"], { cwd: directory });
  return startDirectory("floor-rust", directory, "floor-rust-db", {});
}

/** The floors' loads: [the name of their figures, the target, the path]. Each floor's process
 * serves two loads a round, as many as the other's: a process loaded in more of a round's loads
 * costs less CPU per request (docs/performance.md). */
const FLOOR_VARIANTS = [
  ["floor", "floor", "/"],
  ["batch13", "floor", "/batch13"],
  ["rust", "rustFloor", "/"],
  ["rustBatch13", "rustFloor", "/batch13"],
];

/** The worker, the peer and both floors, each put into `targets` as it starts (so that a caller's
 * `finally` stops whatever did). */
export async function startSideBySide(standIn, targets) {
  targets.worker = await startWorker(standIn, PEER_LIKE_WORKER_VARS);
  targets.peer = await startPeer(standIn);
  targets.floor = await startFloor();
  targets.rustFloor = await startRustFloor();
}

/**
 * The four paths' loads, the same on the worker and the peer: `{ name: async (round) => (side) =>
 * requests }`, `perRound` requests a load. The returning users sign in on both sides first (the
 * same tokens serve both: separate databases); `label` keeps each run's users apart.
 * `PEER_PATHS=replay,org` narrows a run to some paths (for quick A/B runs while profiling).
 */
export async function peerPaths(standIn, targets, label, perRound) {
  const mint = async (email) => (await standIn.token({ email, ttl_seconds: BENCH_TOKEN_TTL_SECONDS })).access_token;
  const regulars = [];
  for (let i = 0; i < 8; i++) regulars.push(await mint(`regular-${label}-${i}@bench.example`));
  const orgs = {};
  for (const side of ["worker", "peer"]) {
    for (const token of regulars) {
      const answer = await fetch(`${targets[side].base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
      const body = await answer.json();
      orgs[side] ??= body.workspace.id;
    }
  }
  const paths = {
    "first sign-in": async (round) => {
      const tokens = [];
      for (let i = 0; i < perRound; i++) tokens.push(await mint(`first-${label}-${round}-${i}@bench.example`));
      return () => tokens.map((token) => ({ method: "POST", path: "/v1/auth/web/callback", headers: bearer(token) }));
    },
    "returning sign-in": async () => {
      const tokens = [];
      for (let i = 0; i < perRound; i++) tokens.push(await mint(`regular-${label}-${i % 8}@bench.example`));
      return () => tokens.map((token) => ({ method: "POST", path: "/v1/auth/web/callback", headers: bearer(token) }));
    },
    replay: async () => () => Array.from({ length: perRound }, (_, i) => ({ method: "POST", path: "/v1/auth/web/callback", headers: bearer(regulars[i % 8]) })),
    "GET /v1/orgs/{id}": async () => (side) => Array.from({ length: perRound }, () => ({ method: "GET", path: `/v1/orgs/${orgs[side]}`, headers: bearer(regulars[0]) })),
  };
  const chosen = process.env.PEER_PATHS?.split(",");
  for (const name of Object.keys(paths)) {
    if (chosen && !chosen.some((c) => name.toLowerCase().includes(c))) delete paths[name];
  }
  return paths;
}

export async function benchPeer({ report, rounds }) {
  const standIn = await startStandIn();
  const targets = {};
  try {
    await startSideBySide(standIn, targets);
    const command = "npm run bench -- --only peer";

    for (const concurrency of [1, 16]) {
      const perRound = concurrency === 1 ? 20 : 96;
      const paths = await peerPaths(standIn, targets, String(concurrency), perRound);
      const results = {};
      for (let round = 0; round < rounds; round++) {
        // Every load of the round (each path on each side, each floor), prepared first, then sent
        // in the round's order.
        const loads = [];
        for (const [name, prepare] of Object.entries(paths)) {
          const requestsFor = await prepare(round);
          for (const side of ["worker", "peer"]) loads.push([targets[side], requestsFor(side), ((results[name] ??= {})[side] ??= newEntry())]);
        }
        for (const [variant, target, path] of FLOOR_VARIANTS) {
          const requests = Array.from({ length: perRound }, () => ({ method: "GET", path }));
          loads.push([targets[target], requests, ((results.floor ??= {})[variant] ??= newEntry())]);
        }
        for (const [target, requests, entry] of inRoundOrder(loads, round)) await measure(target, requests, concurrency, entry);
      }
      const { floor, batch13, rust, rustBatch13 } = results.floor;
      for (const name of Object.keys(paths)) {
        const { worker, peer } = results[name];
        report(`7. ${name}, c=${concurrency}: worker`, figures(worker), command);
        report(`7. ${name}, c=${concurrency}: peer`, figures(peer), command);
        report(
          `7. ${name}, c=${concurrency}: worker ÷ peer`,
          `${pairedRatio(worker.rates, peer.rates)} throughput, ${pairedRatio(peer.cpuRounds, worker.cpuRounds)} in workerd CPU per request (peer ÷ worker); worker ÷ JS floor ${pairedRatio(worker.rates, floor.rates)}, ÷ Rust floor ${pairedRatio(worker.rates, rust.rates)} throughput`,
          command,
        );
      }
      report(`7. floor (JS, one D1 primary-key read), c=${concurrency}`, figures(floor), command);
      report(`7. floor, the same read 13 times in one batch, c=${concurrency}`, figures(batch13), command);
      report(`7. floor (Rust, workers-rs, one D1 primary-key read), c=${concurrency}`, figures(rust), command);
      report(`7. Rust floor, the same read 13 times in one batch, c=${concurrency}`, figures(rustBatch13), command);
      for (const [what, rustEntry, jsEntry] of [["floors", rust, floor], ["floors' 13-read batches", rustBatch13, batch13]]) {
        report(
          `7. ${what}, c=${concurrency}: Rust ÷ JS`,
          `${pairedRatio(rustEntry.rates, jsEntry.rates)} throughput, ${pairedRatio(jsEntry.cpuRounds, rustEntry.cpuRounds)} in workerd CPU per request (JS ÷ Rust)`,
          command,
        );
      }
    }
    // The cookie session beside the bearer, on a worker of its own (it calls WorkOS).
    for (const [name, target] of Object.entries(targets)) {
      target.stop();
      delete targets[name];
    }
    await benchSession({ report, rounds, standIn });
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
