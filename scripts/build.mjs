// Builds the worker with worker-build, pointing it at a wasm-bindgen that matches Cargo.lock and
// at binaryen's wasm-opt from node_modules (worker-build's own downloads come from GitHub, which
// these machines cannot reach). Also the [build] command of wrangler.toml.
//   BENCH=1 adds the benchmark-only routes.   BUILD_PROFILE=dev builds without optimisation.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CARGO_BIN, WASM_OPT, run } from "./toolchain.mjs";

const workerBuild = join(CARGO_BIN, "worker-build");
if (!existsSync(workerBuild)) {
  console.error("worker-build is missing: run `npm run setup` (or any npm script) first");
  process.exit(1);
}
const profile = process.env.BUILD_PROFILE === "dev" ? "--dev" : "--release";
const args = [profile];
if (process.env.BENCH === "1") args.push("--features", "bench-routes");
run(workerBuild, args, {
  env: {
    ...process.env,
    PATH: `${CARGO_BIN}:${process.env.PATH}`,
    WASM_BINDGEN_BIN: join(CARGO_BIN, "wasm-bindgen"),
    WASM_OPT_BIN: WASM_OPT,
  },
});
