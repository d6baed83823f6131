// Shared by the npm scripts: where the tools are, and how to run them.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CARGO_BIN = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin");
export const NODE_BIN = join(ROOT, "node_modules", ".bin");
export const WASM_OPT = join(ROOT, "node_modules", "binaryen", "bin", "wasm-opt");
/** The wasm the worker runs: worker-build's output (in `buildDir`) with our entry module (src/shell/entry.js). */
export const workerWasm = (buildDir = join(ROOT, "build")) => join(buildDir, "worker", "index.wasm");
/** The most the release wasm may weigh at `gzip -9` (the performance issue's budget, "under
 * 300 KB gzip"): `npm test` fails past it (tests/e2e/wasm_budget.test.mjs), and `npm run bench
 * -- --only size` prints what is left. */
export const WASM_GZIP_BUDGET_BYTES = 300 * 1024;
/** A file's size at `gzip -9`, as the budget counts it. */
export const gzipSize = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
/** Where benchmark builds (`BENCH=1`: bench routes, `Server-Timing`) go, never `build/`, which
 * holds the release build that `wrangler dev` and the peer bench run: a benchmark build left
 * there once made an A/B compare two different builds. */
export const BENCH_BUILD_DIR = join(ROOT, "target", "bench-build");
/** The entry module of the benchmark build, for `startWorker`'s `script`. */
export const BENCH_ENTRY = join(BENCH_BUILD_DIR, "worker", "shim.mjs");

/** Every statement the native tests ran, one file each, for tests/e2e/query_plans.test.mjs to
 * plan in workerd's SQLite. scripts/test.mjs passes it to the native tests as the environment
 * variable of the same name (`record_for_workerd_plans` in tests/api/helpers.rs). */
export const WORKERD_PLANS_DIR = join(resolve(ROOT, process.env.CARGO_TARGET_DIR ?? "target"), "tmp", "workerd-query-plans");

/** worker-build, as the bootstrap installs it. */
export const WORKER_BUILD = join(CARGO_BIN, "worker-build");

/**
 * worker-build with `args` in `cwd`, pointed at the wasm-bindgen that matches Cargo.lock and
 * binaryen's wasm-opt (its own downloads come from GitHub, which these machines cannot reach),
 * and with our entry module instead of its own (src/shell/entry.js says why).
 */
export function runWorkerBuild(args, { cwd = ROOT } = {}) {
  run(WORKER_BUILD, args, {
    cwd,
    env: {
      ...process.env,
      CUSTOM_SHIM: join(ROOT, "src", "shell", "entry.js"),
      PATH: `${CARGO_BIN}:${process.env.PATH}`,
      WASM_BINDGEN_BIN: join(CARGO_BIN, "wasm-bindgen"),
      WASM_OPT_BIN: WASM_OPT,
    },
  });
}

/** An environment whose PATH finds cargo-installed tools and Node 22 from node_modules first. */
export function toolEnv(extra = {}) {
  const path = [NODE_BIN, CARGO_BIN, process.env.PATH ?? ""].join(":");
  return { ...process.env, PATH: path, ...extra };
}

/** Runs a command to completion, inheriting stdio; throws on failure. */
export function run(command, args, options = {}) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env: toolEnv(), ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

/** Runs a command and returns its stdout, or null when it cannot run. */
export function output(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: toolEnv() });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** The version of a package pinned in Cargo.lock. */
export function lockedVersion(name) {
  const lock = readFileSync(join(ROOT, "Cargo.lock"), "utf8");
  const match = lock.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${name} is not in Cargo.lock`);
  return match[1];
}

/** How much of a service's latest output `startService` keeps, for a failing test to print. */
const OUTPUT_TAIL_CHARS = 16_000;

/**
 * Starts a long-running child; resolves once a line of its stdout matches `ready`, with the child,
 * the match and `tail()`: the child's latest output (stdout and stderr, up to
 * OUTPUT_TAIL_CHARS), which a failing test prints (a service's output is otherwise not shown
 * unless VERBOSE is set).
 */
export function startService(command, args, { ready, env = {}, name, timeoutMs = 600_000, cwd = ROOT }) {
  const child = spawn(command, args, { cwd, env: toolEnv(env), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let buffer = "";
  const keep = (chunk) => {
    const text = chunk.toString();
    if (process.env.VERBOSE) process.stderr.write(`[${name}] ${text}`);
    buffer = (buffer + text).slice(-OUTPUT_TAIL_CHARS);
  };
  const tail = () => buffer;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk) => {
      keep(chunk);
      const match = buffer.match(ready);
      if (match) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stderr.off("data", onData);
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        resolvePromise({ child, match, tail });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${buffer.slice(-4000)}`));
    });
  });
}

/** Stops a child started by startService, with its whole process group. */
export function stopService(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

export const hasFile = (path) => existsSync(join(ROOT, path));
