// Installs whatever a fresh machine lacks to build, run and test the worker. Idempotent and
// quick when everything is present. See ../shared/docs/toolchain.md for why each step is done
// the way it is (no GitHub downloads on these machines).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CARGO_BIN, NODE_BIN, ROOT, WASM_OPT, lockedVersion, output, run } from "./toolchain.mjs";

function ensureWasmTarget() {
  const installed = output("rustup", ["target", "list", "--installed"]) ?? "";
  if (!installed.split("\n").includes("wasm32-unknown-unknown")) {
    run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  }
}

function ensureLintComponents() {
  // `npm test` checks formatting and lints; rustup's default profile has both, a minimal one not.
  const missing = ["rustfmt", "clippy"].filter((tool) => !output("cargo", [tool === "rustfmt" ? "fmt" : "clippy", "--version"]));
  if (missing.length) run("rustup", ["component", "add", ...missing]);
}

function ensureCargoTool(binary, crate, version) {
  const current = output(join(CARGO_BIN, binary), ["--version"]);
  if (current && current.includes(version)) return;
  // wasm-bindgen-cli cannot be installed --locked here (a pinned dependency is missing from the
  // registry mirror); unlocked builds are fine.
  run("cargo", ["install", crate, "--version", version, "--force"]);
}

function ensureNpmPackages() {
  const wrangler = join(NODE_BIN, "wrangler");
  const node = join(NODE_BIN, "node");
  if (existsSync(wrangler) && existsSync(node) && existsSync(WASM_OPT)) return;
  run("npm", ["install", "--no-audit", "--no-fund"]);
}

ensureWasmTarget();
ensureLintComponents();
ensureCargoTool("worker-build", "worker-build", lockedVersion("worker"));
ensureCargoTool("wasm-bindgen", "wasm-bindgen-cli", lockedVersion("wasm-bindgen"));
ensureNpmPackages();
console.log(`bootstrap: toolchain ready in ${ROOT}`);
