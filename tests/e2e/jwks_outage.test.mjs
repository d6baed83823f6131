// A worker that has never fetched the JWKS while WorkOS is down: 503, retryable, never 401.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack({ WORKOS_TIMEOUT_MS: "1000" })));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

test("without a cached key an outage is 503 jwks_unavailable, and recovery needs no restart", async () => {
  const { access_token } = await stack.standIn.token({});
  await stack.standIn.outage("unavailable");
  const down = await stack.worker.request("GET", "/v1/auth/session", { bearer: access_token });
  assert.equal(down.status, 503);
  assert.equal(down.json.error.code, "jwks_unavailable");
  assert.ok(down.headers.get("retry-after"));

  await stack.standIn.outage("timeout");
  await sleep(3_200);
  const started = Date.now();
  const hanging = await stack.worker.request("GET", "/v1/auth/session", { bearer: access_token });
  assert.equal(hanging.status, 503);
  assert.ok(Date.now() - started < 5_000, "the fetch timeout bounded the wait");

  await stack.standIn.outage("none");
  await sleep(3_200);
  const up = await stack.worker.request("GET", "/v1/auth/session", { bearer: access_token });
  assert.equal(up.status, 200, up.text);
});
