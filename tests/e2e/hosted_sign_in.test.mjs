import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const cookieFrom = (response, name) =>
  response.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith(`${name}=`));

/** Signs `email` in at the worker at `base` as the tests approve: login, the stand-in, callback. */
async function signIn(base, email) {
  const login = await fetch(`${base}/v1/auth/login`, { redirect: "manual" });
  const authorize = new URL(login.headers.get("location"));
  authorize.pathname = "/user_management/authorize/approve";
  authorize.searchParams.set("email", email);
  const approved = await fetch(authorize, { redirect: "manual" });
  const headers = { cookie: cookieFrom(login, "__Host-edge_auth_flow") };
  const callback = await fetch(approved.headers.get("location"), { redirect: "manual", headers });
  assert.equal(callback.status, 302, await callback.text());
  return cookieFrom(callback, "__Host-edge_auth");
}

const issuing = (settings) =>
  fetch(`${stack.standIn.url}/__dev/issuing`, { method: "POST", body: JSON.stringify(settings) });

test("login → the stand-in's page → callback → cookie → API → welcome → access token → logout", async () => {
  const base = stack.worker.base;
  const login = await fetch(`${base}/v1/auth/login?return_to=%2Fv1%2Fme`, { redirect: "manual" });
  assert.equal(login.status, 302);
  const authorize = new URL(login.headers.get("location"));
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${stack.standIn.url}/user_management/authorize`);
  const flowCookie = cookieFrom(login, "__Host-edge_auth_flow");
  assert.ok(flowCookie);

  // A person on the stand-in's page: it renders, and its form approves as the typed email.
  const page = await fetch(authorize);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<form/);
  authorize.pathname = "/user_management/authorize/approve";
  authorize.searchParams.set("email", "ada@hosted.example");
  const approved = await fetch(authorize, { redirect: "manual" });
  assert.equal(approved.status, 302);
  const back = new URL(approved.headers.get("location"));
  assert.equal(`${back.origin}${back.pathname}`, `${base}/v1/auth/callback`);

  const callback = await fetch(back, { redirect: "manual", headers: { cookie: flowCookie } });
  assert.equal(callback.status, 302, await callback.text());
  assert.equal(callback.headers.get("location"), "/v1/me");
  const sessionCookie = cookieFrom(callback, "__Host-edge_auth");
  assert.ok(sessionCookie, "the session cookie");
  assert.match(callback.headers.getSetCookie().join("\n"), /__Host-edge_auth=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax/);

  const withCookie = (method, path) => stack.worker.request(method, path, { headers: { cookie: sessionCookie } });
  const me = await withCookie("GET", "/v1/me");
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.email, "ada@hosted.example");
  const welcome = await withCookie("GET", "/v1/auth/welcome");
  assert.equal(welcome.status, 200);
  assert.match(welcome.json.default_api_key.secret, /^eak_/);
  assert.equal((await withCookie("GET", "/v1/auth/welcome")).status, 404, "shown once");
  const token = await withCookie("GET", "/v1/auth/access-token");
  assert.equal(token.status, 200);
  const session = await stack.worker.request("GET", "/v1/auth/session", { bearer: token.json.access_token });
  assert.equal(session.status, 200);

  const refused = await withCookie("POST", "/v1/auth/logout");
  assert.equal(refused.status, 403, "a change made with the cookie states its origin");
  assert.equal(refused.json.error.code, "origin_refused");
  const logout = await stack.worker.request("POST", "/v1/auth/logout", { headers: { cookie: sessionCookie, origin: base } });
  assert.equal(logout.status, 200);
  assert.match(logout.json.logout_url, /\/user_management\/sessions\/logout\?session_id=session_/);
  const sid = new URL(logout.json.logout_url).searchParams.get("session_id");
  const atWorkos = await (await fetch(`${stack.standIn.url}/__dev/sessions/${sid}`)).json();
  assert.equal(atWorkos.revoked, true, "revoked at WorkOS");
  const after = await withCookie("GET", "/v1/me");
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, "session_expired");
});

test("a used or foreign state ends in a clear page, not a session", async () => {
  const base = stack.worker.base;
  const callback = await fetch(`${base}/v1/auth/callback?code=x&state=nope`, { redirect: "manual" });
  assert.equal(callback.status, 400);
  assert.match(callback.headers.get("content-type"), /text\/html/);
  assert.match(await callback.text(), /sign_in_state_invalid/);
  assert.equal(cookieFrom(callback, "__Host-edge_auth"), undefined);
});

// Under `wrangler dev` a disconnect never reaches the worker (its proxy forwards detached), so
// this proves the slow refresh's result is stored for a client that left; that production's
// cancellation cannot cut it short is the shell's `run_to_completion` (tests/wasm_shell.rs).
test("a client that leaves during a slow refresh does not lose the rotated refresh token", async () => {
  const base = stack.worker.base;
  try {
    // A token inside the refresh window; its refresh is slow and answers a long-lived one.
    await issuing({ ttl_seconds: 30 });
    const cookie = await signIn(base, "cut@hosted.example");
    await issuing({ ttl_seconds: 600, refresh_delay_ms: 1500 });
    const before = await stack.standIn.stats();
    const gaveUp = fetch(`${base}/v1/auth/access-token`, { headers: { cookie }, signal: AbortSignal.timeout(300) });
    await assert.rejects(gaveUp, { name: "TimeoutError" }, "the client left before the refresh answered");
    // WorkOS rotates the refresh token after the client left; the worker still stores the result.
    const session = async () => (await fetch(`${base}/v1/auth/session`, { headers: { cookie } })).json();
    let expiresAt;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      expiresAt = Date.parse((await session()).session.access_token_expires_at);
      if (expiresAt - Date.now() > 300_000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(expiresAt - Date.now() > 300_000, "the refreshed token was stored");
    await issuing({});
    const token = await fetch(`${base}/v1/auth/access-token`, { headers: { cookie } });
    assert.equal(token.status, 200, await token.text());
    assert.equal((await stack.standIn.stats()).refresh_requests, before.refresh_requests + 1, "one refresh");
  } finally {
    await issuing({});
  }
});

test("a refresh whose new token cannot be verified yet keeps the session (key rotated, key set down)", async () => {
  const base = stack.worker.base;
  const accessToken = async () => fetch(`${base}/v1/auth/access-token`, { headers: { cookie } });
  let cookie;
  try {
    await issuing({ ttl_seconds: 30 }); // inside the refresh window from the start
    cookie = await signIn(base, "rotated@hosted.example");
    const first = await (await accessToken()).json();
    const before = await stack.standIn.stats();
    // WorkOS signs with a new key, and its key set cannot be fetched just now.
    await stack.standIn.rotateKey();
    await stack.standIn.outage("unavailable");
    const during = await accessToken();
    assert.equal(during.status, 200, await during.clone().text());
    assert.equal((await during.json()).access_token, first.access_token, "the still-valid token");
    await stack.standIn.outage("none");
    // The key set may be fetched again after the cooldown (3 s in these tests); the refresh
    // then spends the refresh token WorkOS rotated during the outage.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const after = await accessToken();
    assert.equal(after.status, 200, await after.clone().text());
    const refreshed = await after.json();
    assert.notEqual(refreshed.access_token, first.access_token);
    assert.equal((await stack.standIn.stats()).refresh_requests, before.refresh_requests + 2);
    const me = await fetch(`${base}/v1/auth/session`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    assert.equal(me.status, 200, "the new token verifies with the rotated key");
  } finally {
    await stack.standIn.outage("none");
    await issuing({});
  }
});

// Last in this file: it spends this address's sign-in attempts for the minute.
test("sign-in attempts over the limit are answered 429 with Retry-After by the rate-limiting binding", async () => {
  // The limiter counts in windows of a minute: a window that turns over during the loop starts
  // the count again, so the loop goes on until a refusal (at most two windows' worth) and the
  // refusal itself is checked, not a later request that may fall in a new window.
  const statuses = [];
  let refused;
  for (let i = 0; i < 100 && !refused; i++) {
    const response = await fetch(`${stack.worker.base}/v1/auth/login`, { redirect: "manual" });
    statuses.push(response.status);
    if (response.status === 429) refused = response;
  }
  assert.ok(refused, `no refusal in ${statuses.length} attempts: ${statuses.join()}`);
  assert.ok(statuses.filter((s) => s === 302).length >= 10, statuses.join());
  assert.equal((await refused.json()).error.code, "rate_limited");
  assert.equal(refused.headers.get("retry-after"), "60");
});
