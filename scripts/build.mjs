// Builds the worker with worker-build, pointing it at a wasm-bindgen that matches Cargo.lock and
// at binaryen's wasm-opt from node_modules (worker-build's own downloads come from GitHub, which
// these machines cannot reach). Also the [build] command of wrangler.toml.
//   BENCH=1 adds the benchmark-only routes.   BUILD_PROFILE=dev builds without optimisation.
//   BUILD_DIR=dir builds into dir instead of build/ (the entry is then dir/worker/shim.mjs).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, WASM_OPT, WORKER_BUILD, run, runWorkerBuild, workerWasm } from "./toolchain.mjs";

const buildDir = process.env.BUILD_DIR ?? join(ROOT, "build");
const wasm = workerWasm(buildDir);

// The test and bench runners build once, then start `wrangler dev` several times.
if (process.env.EDGE_AUTH_SKIP_BUILD === "1" && existsSync(wasm)) {
  console.log(`build: using the existing ${buildDir} (EDGE_AUTH_SKIP_BUILD=1)`);
  process.exit(0);
}
if (!existsSync(WORKER_BUILD)) {
  console.error("worker-build is missing: run `npm run setup` (or any npm script) first");
  process.exit(1);
}
const profile = process.env.BUILD_PROFILE === "dev" ? "--dev" : "--release";
const args = [profile, "--out-dir", buildDir];
if (process.env.BENCH === "1") args.push("--features", "bench-routes");
runWorkerBuild(args);

// worker-build keeps the wasm name section (function names for stack traces, ~45 KB gzip). The
// panic hook's messages do not need it, so release builds drop it and run -Oz once more;
// KEEP_WASM_NAMES=1 keeps it for debugging.
if (profile === "--release" && process.env.KEEP_WASM_NAMES !== "1") {
  const features = ["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory", "multivalue",
    "reference-types", "exception-handling", "simd"].map((f) => `--enable-${f}`);
  run(WASM_OPT, [wasm, ...features, "-Oz", "--strip-debug", "--strip-producers", "-o", wasm]);
}
