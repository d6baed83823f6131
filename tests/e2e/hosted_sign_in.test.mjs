import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());

const cookieFrom = (response, name) =>
  response.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith(`${name}=`));

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

  const logout = await withCookie("POST", "/v1/auth/logout");
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
