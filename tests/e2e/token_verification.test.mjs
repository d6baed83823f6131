import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const session = (token) => stack.worker.request("GET", "/v1/auth/session", { bearer: token });

/** A token whose header names another kid: re-encodes the header, keeps the signature. */
function withKid(token, kid) {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(header, "base64url").toString());
  decoded.kid = kid;
  return `${Buffer.from(JSON.stringify(decoded)).toString("base64url")}.${payload}.${signature}`;
}

// First in the file: the worker has no key set yet. Concurrent first requests each reach the
// fetch while another's is in flight, and none may be refused for it.
test("a fresh worker's concurrent first requests all verify", async () => {
  const tokens = await Promise.all(Array.from({ length: 8 }, (_, i) => stack.standIn.token({ email: `cold${i}@example.com` })));
  const responses = await Promise.all(tokens.map(({ access_token }) => session(access_token)));
  assert.deepEqual(
    responses.map((r) => r.status),
    Array(8).fill(200),
    responses.map((r) => r.text).join("\n"),
  );
});

test("a valid AuthKit token verifies and yields the identity", async () => {
  const { access_token, user_id } = await stack.standIn.token({ email: "ada@example.com", org_id: "org_1", role: "admin" });
  const response = await session(access_token);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.identity.user_id, user_id);
  assert.equal(response.json.identity.org_id, "org_1");
  assert.equal(response.json.identity.role, "admin");
});

test("a bad token is a 401 with WWW-Authenticate and a stable code, never echoed", async () => {
  const { access_token } = await stack.standIn.token({});
  const forged = access_token.slice(0, -6) + "AAAAAA";
  const response = await session(forged);
  assert.equal(response.status, 401);
  assert.match(response.headers.get("www-authenticate"), /^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error="invalid_token"$/);
  assert.equal(response.json.error.code, "token_signature_invalid");
  assert.ok(!response.text.includes(forged));
  const expired = await stack.standIn.token({ ttl_seconds: -120 });
  assert.equal((await session(expired.access_token)).json.error.code, "token_expired");
});

test("a key rotated in verifies without waiting for the cache, a retired one stops", async () => {
  const before = await stack.standIn.token({});
  assert.equal((await session(before.access_token)).status, 200);
  await sleep(3_200); // the refetch cooldown configured for this stack
  await stack.standIn.rotateKey(false);
  const after = await stack.standIn.token({});
  assert.equal((await session(after.access_token)).status, 200, "new kid → refetch → verifies");
  // Retire every earlier key: once the cache refreshes (unknown kid → refetch), tokens of the
  // retired key no longer verify, even though this isolate verified them before.
  await sleep(3_200);
  const rotated = await stack.standIn.rotateKey(true);
  await sleep(10);
  const newest = await stack.standIn.token({});
  assert.equal(newest.kid, rotated.kid);
  assert.equal((await session(newest.access_token)).status, 200);
  const stale = await session(before.access_token);
  assert.equal(stale.status, 401);
  assert.equal(stale.json.error.code, "token_key_unknown");
});

test("random kids cannot make the worker hammer WorkOS: one refetch per cooldown", async () => {
  const { access_token } = await stack.standIn.token({});
  assert.equal((await session(access_token)).status, 200);
  await sleep(3_200);
  await stack.standIn.resetStats();
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 40 }, () => session(withKid(access_token, randomUUID()))));
  const elapsed = Date.now() - started;
  for (const answer of answers) assert.equal(answer.json.error.code, "token_key_unknown");
  const { jwks_requests } = await stack.standIn.stats();
  const windows = Math.floor(elapsed / 3_000) + 1;
  assert.ok(jwks_requests >= 1 && jwks_requests <= windows, `${jwks_requests} JWKS fetches in ${elapsed} ms`);
});

test("with a cached key, verification survives a WorkOS outage", async () => {
  const { access_token } = await stack.standIn.token({});
  assert.equal((await session(access_token)).status, 200);
  await stack.standIn.outage("unavailable");
  try {
    const fresh = await stack.standIn.token({});
    assert.equal((await session(fresh.access_token)).status, 200);
  } finally {
    await stack.standIn.outage("none");
  }
});
