// WorkOS's webhooks end to end: the stand-in delivers signed events to the worker under
// `wrangler dev`, as `npm run dev` wires them, and what WorkOS decides takes effect on the next
// request: an email changed, a session revoked, a user deleted.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { reportIfFailed, startStack, WORKOS_API_KEY } from "./stack.mjs";

const SECRET = "whsec_e2e_secret";
let stack;
before(async () => {
  stack = await startStack({ WORKOS_WEBHOOK_SECRET: SECRET });
  await standIn("POST", "/__dev/webhooks", { url: `${stack.worker.base}/v1/webhooks/workos`, secret: SECRET });
});
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

/** A call to the stand-in, with its API key (the user API needs it); the JSON answer. */
async function standIn(method, path, body) {
  const response = await fetch(`${stack.standIn.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${WORKOS_API_KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Waits until the stand-in has delivered every event of type `type` so far; their count. */
async function delivered(type) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ofType = (await standIn("GET", "/__dev/webhooks")).deliveries.filter((d) => d.event === type);
    if (ofType.length > 0 && ofType.every((d) => d.delivered)) return ofType.length;
    await sleep(100);
  }
  assert.fail(`no ${type} delivered: ${JSON.stringify(await standIn("GET", "/__dev/webhooks"))}`);
}

const cookieFrom = (response) =>
  response.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-edge_auth="));
const asPage = (method, path, cookie, body) =>
  stack.worker.request(method, path, { headers: { origin: stack.worker.base, ...(cookie ? { cookie } : {}) }, body });

async function signIn(email) {
  const { access_token: token, user_id: userId } = await stack.standIn.token({ email });
  const answer = await stack.worker.request("POST", "/v1/auth/web/callback", { bearer: token });
  assert.equal(answer.status, 201, answer.text);
  return { token, userId, key: answer.json.default_api_key.secret, personal: answer.json.workspace.id };
}

test("an email changed at WorkOS is the worker's at once", async () => {
  const ada = await signIn("ada@hooks.example");
  await standIn("PUT", `/user_management/users/${ada.userId}`, { email: "ada@renamed.example" });
  await delivered("user.updated");
  const me = await stack.worker.request("GET", "/v1/me", { bearer: ada.token });
  assert.equal(me.json.user.email, "ada@renamed.example", me.text);
});

test("a session revoked at WorkOS ends its cookie session on the next request", async () => {
  const up = await asPage("POST", "/v1/auth/sign-up", null, { email: "pat@hooks.example", password: "long enough pw" });
  assert.equal(up.status, 201, up.text);
  const cookie = cookieFrom(up);
  const session = await asPage("GET", "/v1/auth/session", cookie);
  await standIn("POST", "/user_management/sessions/revoke", { session_id: session.json.session.workos_session_id });
  await delivered("session.revoked");
  const ended = await asPage("GET", "/v1/me", cookie);
  assert.equal(ended.status, 401, ended.text);
  assert.equal(ended.json.error.code, "session_expired");
});

test("a user deleted at WorkOS loses access on their next request, and cannot sign in again", async () => {
  const eve = await signIn("eve@hooks.example");
  const bob = await signIn("bob@hooks.example");
  assert.equal((await stack.worker.request("GET", "/v1/me", { bearer: eve.token })).status, 200);
  const team = await stack.worker.request("POST", "/v1/orgs", { bearer: eve.token, body: { name: "Eve's team", slug: "eves-team" } });
  assert.equal(team.status, 201, team.text);
  const added = await stack.worker.request("POST", `/v1/orgs/${team.json.id}/members`, {
    bearer: eve.token,
    body: { user_id: bob.userId, role: "admin" },
  });
  assert.equal(added.status, 201, added.text);
  await standIn("DELETE", `/user_management/users/${eve.userId}`);
  await delivered("user.deleted");
  // Her token is still signed and unexpired: refused all the same.
  for (const path of ["/v1/me", "/v1/auth/session"]) {
    const refused = await stack.worker.request("GET", path, { bearer: eve.token });
    assert.equal(refused.status, 403, `${path}: ${refused.text}`);
    assert.equal(refused.json.error.code, "user_deleted", path);
  }
  const key = await stack.worker.request("GET", `/v1/orgs/${eve.personal}`, { bearer: eve.key });
  assert.equal(key.json.error.code, "api_key_invalid", "her personal workspace's key is revoked");
  const again = await stack.worker.request("POST", "/v1/auth/web/callback", { bearer: eve.token });
  assert.equal(again.json.error.code, "user_deleted");
  assert.equal((await stack.worker.request("GET", "/v1/me", { bearer: bob.token })).status, 200, "bob is untouched");
  // Her team had no other owner: Bob, its admin, succeeds her.
  const bobInTeam = await stack.worker.request("GET", `/v1/orgs/${team.json.id}/members/${bob.userId}`, { bearer: bob.token });
  assert.equal(bobInTeam.json.role, "owner", bobInTeam.text);
  assert.equal(bobInTeam.json.user_deleted_at, null);
  // Her membership stays until Bob removes it, and her member record tells him WorkOS deleted her.
  const eveInTeam = await stack.worker.request("GET", `/v1/orgs/${team.json.id}/members/${eve.userId}`, { bearer: bob.token });
  assert.match(eveInTeam.json.user_deleted_at ?? "", /^\d{4}-\d\d-\d\dT/, eveInTeam.text);
});

test("a delivery not signed with the secret, or signed long ago, is refused", async () => {
  const body = JSON.stringify({ id: "event_01FORGED", event: "user.deleted", data: { id: "user_01X" } });
  for (const signature of [undefined, "t=1, v1=" + "0".repeat(64)]) {
    const response = await fetch(`${stack.worker.base}/v1/webhooks/workos`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature ? { "workos-signature": signature } : {}) },
      body,
    });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error.code, "webhook_signature_invalid");
  }
  assert.deepEqual(stack.worker.sql("SELECT id FROM workos_events WHERE id = 'event_01FORGED'"), []);
});

test("the cron run applies, from WorkOS's events API, what no webhook delivered", async () => {
  // A second worker beside the same stand-in, with no webhook endpoint: only the events API
  // tells it anything.
  const { startWorker } = await import("./stack.mjs");
  const worker = await startWorker(stack.standIn, {}, { testScheduled: true });
  try {
    const { access_token: token, user_id: userId } = await stack.standIn.token({ email: "kim@sync.example" });
    assert.equal((await worker.request("POST", "/v1/auth/web/callback", { bearer: token })).status, 201);
    await standIn("DELETE", `/user_management/users/${userId}`);
    assert.equal((await worker.request("GET", "/v1/me", { bearer: token })).status, 200, "not told yet");
    const run = await worker.request("GET", "/__scheduled?cron=*/15+*+*+*+*");
    assert.equal(run.status, 200, run.text);
    const refused = await worker.request("GET", "/v1/me", { bearer: token });
    assert.equal(refused.json?.error?.code, "user_deleted", refused.text);
    assert.equal(worker.sql("SELECT count(*) AS n FROM workos_event_cursors")[0].n, 1);
  } finally {
    worker.stop();
  }
});
