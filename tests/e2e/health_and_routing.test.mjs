import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());

test("GET /v1/health answers 200 with the version and storage checks", async () => {
  const response = await stack.worker.request("GET", "/v1/health");
  assert.equal(response.status, 200);
  assert.equal(response.json.status, "ok");
  assert.deepEqual(response.json.checks, { d1: true, kv: true });
  assert.match(response.json.version, /^\d+\.\d+\.\d+/);
});

test("unknown routes are a JSON 404, wrong methods a 405 with Allow", async () => {
  const missing = await stack.worker.request("GET", "/v1/nope");
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, "route_not_found");
  const wrong = await stack.worker.request("DELETE", "/v1/health");
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "GET");
  assert.equal(wrong.json.error.code, "method_not_allowed");
});

test("CORS preflight is answered for configured origins only", async () => {
  const preflight = (origin) =>
    stack.worker.request("OPTIONS", "/v1/auth/web/callback", {
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
  const allowed = await preflight("http://localhost:3000");
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
  const refused = await preflight("https://evil.example.com");
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
});

test("an oversized body is refused with 413 before anything happens", async () => {
  const response = await stack.worker.request("POST", "/v1/auth/web/callback", { body: "x".repeat(20_000) });
  assert.equal(response.status, 413);
  assert.equal(response.json.error.code, "payload_too_large");
});

test("a chunked body without Content-Length is refused with 413 at the cap, not read to its end", async () => {
  let sent = 0;
  const chunk = new Uint8Array(4096).fill(0x20);
  // An endless body: only the worker stopping reading ends the request.
  const body = new ReadableStream({
    pull(controller) {
      sent += chunk.length;
      if (sent > 64 * 1024 * 1024) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const response = await fetch(`${stack.worker.base}/v1/orgs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  });
  assert.equal(response.status, 413);
  assert.equal((await response.json()).error.code, "payload_too_large");
  assert.ok(sent < 64 * 1024 * 1024, `the whole body was sent (${sent} bytes)`);
});

test("every answer carries an x-request-id, refusals before routing included", async () => {
  const ok = await stack.worker.request("GET", "/v1/health");
  const missing = await stack.worker.request("GET", "/v1/nope");
  const tooLarge = await stack.worker.request("POST", "/v1/orgs", { body: "x".repeat(20_000) });
  const ids = [ok, missing, tooLarge].map((response) => response.headers.get("x-request-id"));
  for (const id of ids) assert.match(id ?? "", /^[A-Za-z0-9-_]{1,64}$/);
  assert.equal(new Set(ids).size, 3);
});
