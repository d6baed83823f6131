import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { hostedSignIn as hostedSignInAt, reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

/** A hosted sign-in at this stack's worker (see `stack.mjs`). */
const hostedSignIn = (path, email, checkAuthorize) => hostedSignInAt(stack.worker, path, email, checkAuthorize);
const cookieFrom = (response) =>
  response.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-edge_auth="));
const devPost = (path, body) =>
  fetch(`${stack.standIn.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
/** A request of a page of this worker: its origin stated, the cookie sent. */
const asPage = (method, path, cookie, body) =>
  stack.worker.request(method, path, { headers: { origin: stack.worker.base, ...(cookie ? { cookie } : {}) }, body });

test("password sign-up and sign-in give a cookie session; WorkOS's refusals are clear", async () => {
  const up = await asPage("POST", "/v1/auth/sign-up", null, { email: "pw@e2e.example", password: "long enough pw" });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.first_sign_in, true);
  const cookie = cookieFrom(up);
  const me = await asPage("GET", "/v1/me", cookie);
  assert.equal(me.json.user.email, "pw@e2e.example");
  assert.match((await asPage("GET", "/v1/auth/welcome", cookie)).json.default_api_key.secret, /^eak_/);
  const taken = await asPage("POST", "/v1/auth/sign-up", null, { email: "pw@e2e.example", password: "another long pw" });
  assert.equal(taken.status, 409, taken.text);
  assert.equal(taken.json.error.code, "email_taken");
  const repeated = await asPage("POST", "/v1/auth/sign-up", null, { email: "pw@e2e.example", password: "long enough pw" });
  assert.equal(repeated.status, 200, "a sign-up repeated with the account's own password signs in");
  assert.equal(repeated.json.first_sign_in, false);
  const weak = await asPage("POST", "/v1/auth/sign-up", null, { email: "weak@e2e.example", password: "short" });
  assert.equal(weak.status, 422);
  assert.match(weak.json.error.message, /at least 10 characters/);
  const wrong = await asPage("POST", "/v1/auth/sign-in", null, { email: "pw@e2e.example", password: "not it at all" });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.code, "invalid_credentials");
  const signedIn = await asPage("POST", "/v1/auth/sign-in", null, { email: "pw@e2e.example", password: "long enough pw" });
  assert.equal(signedIn.status, 200, signedIn.text);
  const noOrigin = await stack.worker.request("POST", "/v1/auth/sign-in", { body: { email: "pw@e2e.example", password: "long enough pw" } });
  assert.equal(noOrigin.json.error.code, "origin_refused");
});

test("the organisation switch moves the session's tokens; SSO answers 409 and a stranger 403", async () => {
  const up = await asPage("POST", "/v1/auth/sign-up", null, { email: "org@e2e.example", password: "long enough pw" });
  const cookie = cookieFrom(up);
  const userId = up.json.user.id;
  await devPost("/__dev/memberships", { user_id: userId, organization_id: "org_e2e", role: "admin" });
  await devPost("/__dev/memberships", { user_id: userId, organization_id: "org_sso" });
  await devPost("/__dev/organizations/org_sso", { requires: "sso" });
  const stranger = await asPage("POST", "/v1/auth/session/organization", cookie, { organization_id: "org_else" });
  assert.equal(stranger.status, 403);
  assert.equal(stranger.json.error.code, "organization_not_member");
  const sso = await asPage("POST", "/v1/auth/session/organization", cookie, { organization_id: "org_sso" });
  assert.equal(sso.status, 409);
  assert.equal(sso.json.error.authorize_url, "/v1/auth/login?organization_id=org_sso");
  const switched = await asPage("POST", "/v1/auth/session/organization", cookie, { organization_id: "org_e2e" });
  assert.equal(switched.status, 200, switched.text);
  assert.deepEqual([switched.json.session.organization_id, switched.json.session.role], ["org_e2e", "admin"]);
  const token = (await asPage("GET", "/v1/auth/access-token", cookie)).json.access_token;
  const identity = await stack.worker.request("GET", "/v1/auth/session", { bearer: token });
  assert.equal(identity.json.identity.org_id, "org_e2e");
});

test("a password sign-in that needs more than a password is sent on to hosted sign-in, which completes it", async () => {
  const up = await asPage("POST", "/v1/auth/sign-up", null, { email: "two-orgs@e2e.example", password: "long enough pw" });
  await devPost("/__dev/memberships", { user_id: up.json.user.id, organization_id: "org_one" });
  await devPost("/__dev/memberships", { user_id: up.json.user.id, organization_id: "org_two" });
  const refused = await asPage("POST", "/v1/auth/sign-in", null, { email: "two-orgs@e2e.example", password: "long enough pw" });
  assert.equal(refused.status, 409, refused.text);
  assert.equal(refused.json.error.code, "hosted_sign_in_required");
  assert.match(refused.json.error.message, /organization_selection_required/);
  assert.equal(cookieFrom(refused), undefined, "no session");
  // The browser follows authorize_url: our login, then AuthKit's page with the email filled in.
  const callback = await hostedSignIn(refused.json.error.authorize_url, "two-orgs@e2e.example", (authorize) =>
    assert.equal(authorize.searchParams.get("login_hint"), "two-orgs@e2e.example"),
  );
  const me = await asPage("GET", "/v1/me", cookieFrom(callback));
  assert.deepEqual([me.json.user.id, me.json.user.email], [up.json.user.id, "two-orgs@e2e.example"]);

  // An address WorkOS has not verified: the code it mailed is asked for on the same hosted page.
  await devPost("/__dev/users", { email: "unverified@e2e.example", email_verified: false, password: "long enough pw" });
  await devPost("/__dev/email-verification", { required: true });
  try {
    const unverified = await asPage("POST", "/v1/auth/sign-in", null, { email: "unverified@e2e.example", password: "long enough pw" });
    assert.equal(unverified.status, 403, unverified.text);
    assert.equal(unverified.json.error.code, "email_verification_required");
    assert.equal(unverified.json.error.authorize_url, "/v1/auth/login?login_hint=unverified%40e2e.example");
  } finally {
    await devPost("/__dev/email-verification", { required: false });
  }
});

test("a user's sessions: listed with the current one marked, one revoked, then all others", async () => {
  const signIn = async () =>
    cookieFrom(await asPage("POST", "/v1/auth/sign-in", null, { email: "many@e2e.example", password: "long enough pw" }));
  await asPage("POST", "/v1/auth/sign-up", null, { email: "many@e2e.example", password: "long enough pw" });
  const [a, b, c] = [await signIn(), await signIn(), await signIn()];
  const listed = await asPage("GET", "/v1/me/sessions?limit=2", c);
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.json.data[0].current, true);
  assert.equal(listed.json.has_more, true);
  const rest = await asPage("GET", `/v1/me/sessions?cursor=${encodeURIComponent(listed.json.next_cursor)}`, c);
  assert.equal(rest.json.data.length, 2, "four sessions: sign-up and three sign-ins");
  const revokeOne = await asPage("DELETE", `/v1/me/sessions/${listed.json.data[1].id}`, c);
  assert.equal(revokeOne.status, 204);
  assert.equal((await asPage("GET", "/v1/me", b)).json.error.code, "session_expired");
  const others = await asPage("DELETE", "/v1/me/sessions", c);
  assert.equal(others.status, 200, others.text);
  assert.equal(others.json.revoked, 2);
  assert.equal((await asPage("GET", "/v1/me", a)).json.error.code, "session_expired");
  assert.equal((await asPage("GET", "/v1/me", c)).status, 200);
});

test("a social sign-in's provider identity is recorded and shown in /v1/me", async () => {
  const callback = await hostedSignIn("/v1/auth/login?provider=google", "social@e2e.example", (authorize) =>
    assert.equal(authorize.searchParams.get("provider"), "GoogleOAuth"),
  );
  const me = await asPage("GET", "/v1/me", cookieFrom(callback));
  assert.deepEqual(me.json.identities.map((i) => [i.provider, i.type]), [["GoogleOAuth", "OAuth"]]);
  assert.match(me.json.identities[0].idp_id, /^googleoauth-/);
});
