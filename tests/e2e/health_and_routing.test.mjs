import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, afterEach, before, test } from "node:test";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

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

test("a chunked body without Content-Length is refused with 413 at the cap, before it ends", async () => {
  // A raw socket: 32 KB of a chunked body that never ends. A worker that read bodies whole would
  // wait for the end forever; one that reads up to the cap answers at once.
  const url = new URL(stack.worker.base);
  const answer = await new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = "";
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("no answer while the body was still open"))), 10_000);
    socket.on("data", (data) => {
      answer += data;
      if (answer.includes("}}")) (clearTimeout(timer), socket.destroy(), resolve(answer));
    });
    socket.on("error", () => {}); // the worker may close while we still write
    socket.write(`POST /v1/orgs HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    const chunk = Buffer.concat([Buffer.from("1000\r\n"), Buffer.alloc(4096, 0x20), Buffer.from("\r\n")]);
    for (let i = 0; i < 8; i++) socket.write(chunk);
  });
  assert.match(answer, /^HTTP\/1\.1 413 /);
  assert.match(answer, /"payload_too_large"/);
});

test("every answer carries an x-request-id, refusals before routing included", async () => {
  const ok = await stack.worker.request("GET", "/v1/health");
  const missing = await stack.worker.request("GET", "/v1/nope");
  const tooLarge = await stack.worker.request("POST", "/v1/orgs", { body: "x".repeat(20_000) });
  const ids = [ok, missing, tooLarge].map((response) => response.headers.get("x-request-id"));
  for (const id of ids) assert.match(id ?? "", /^[A-Za-z0-9-_]{1,64}$/);
  assert.equal(new Set(ids).size, 3);
});

test("the OpenAPI document and the console are served from the files compiled into the worker", async () => {
  const document = await stack.worker.request("GET", "/v1/openapi.json");
  assert.equal(document.status, 200);
  assert.match(document.headers.get("content-type"), /application\/json/);
  assert.equal(document.json.openapi, "3.1.0");
  assert.ok(document.json.paths["/v1/me/sessions"]);
  const page = await fetch(`${stack.worker.base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy"), /script-src 'self'/);
  assert.match(await page.text(), /edge-auth console/);
  // Files of public/ are reachable only at the worker's own paths.
  assert.equal((await fetch(`${stack.worker.base}/console/index.html`)).status, 404);
  // The document is served minified (build.rs) and is the same document as public/openapi.json.
  const served = await (await fetch(`${stack.worker.base}/v1/openapi.json`)).text();
  assert.ok(!served.includes("\n  "), "minified");
  const source = JSON.parse(readFileSync(new URL("../../public/openapi.json", import.meta.url), "utf8"));
  assert.deepEqual(JSON.parse(served), source);
});
