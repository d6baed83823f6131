// A panic in a request's work, in a benchmark build (whose route `/v1/__bench/panic` panics after
// an await, as a bug would): that request fails, and the worker's entry (src/shell/entry.js)
// starts a new wasm instance for the next one instead of serving it from the broken one.
// Run by `npm test` with EDGE_AUTH_BENCH_ENTRY, the benchmark build's entry module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, startWorker } from "../e2e/stack.mjs";

test("after a panic the next request is answered by a new instance", async () => {
  const standIn = await startStandIn();
  const worker = await startWorker(standIn, { WORKOS_API_KEY: "" }, { script: process.env.EDGE_AUTH_BENCH_ENTRY });
  try {
    const token = (await standIn.token({ email: "panic@recovery.example" })).access_token;
    const signIn = () => worker.request("POST", "/v1/auth/web/callback", { bearer: token });
    const first = await signIn();
    assert.equal(first.status, 201, first.text);
    // Request ids are a stem drawn once per instance and a sequence: a new stem is a new instance.
    const stem = (response) => response.headers.get("x-request-id").slice(0, -10);
    const before = await signIn();
    assert.equal(stem(before), stem(first));

    const panic = await worker.request("GET", "/v1/__bench/panic", { bearer: token });
    assert.equal(panic.status, 500);

    const after = [await signIn(), await signIn()];
    for (const response of after) {
      assert.equal(response.status, 201, "the replay is answered, as before the panic");
      assert.equal(response.text, first.text);
    }
    assert.notEqual(stem(after[0]), stem(first), "a new instance answered");
    assert.equal(stem(after[1]), stem(after[0]), "and it stays");
  } finally {
    worker.stop();
    standIn.stop();
  }
});
