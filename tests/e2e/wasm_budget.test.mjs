// The release wasm these tests run stays under the performance issue's budget (300 KB gzip):
// a fresh isolate compiles what it runs, and every KB is paid on each deploy's cold starts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WASM_GZIP_BUDGET_BYTES, gzipSize, workerWasm } from "../../scripts/toolchain.mjs";

test("the release wasm is under its gzip budget", () => {
  const size = gzipSize(workerWasm());
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  assert.ok(size <= WASM_GZIP_BUDGET_BYTES, `the wasm is ${kb(size)} at gzip -9, over its ${kb(WASM_GZIP_BUDGET_BYTES)}`);
  console.log(`wasm ${kb(size)} gzip -9, ${kb(WASM_GZIP_BUDGET_BYTES - size)} under budget`);
});
