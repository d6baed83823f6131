import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { hostedSignIn, reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const api = (...args) => stack.worker.request(...args);

async function signIn(email) {
  const { access_token, user_id } = await stack.standIn.token({ email });
  const callback = await api("POST", "/v1/auth/web/callback", { bearer: access_token });
  assert.ok(callback.status === 201 || callback.status === 200, callback.text);
  return { token: access_token, userId: user_id, callback: callback.json };
}

test("a team's life: create, invite, page, API keys, audit trail, delete", async () => {
  const ada = await signIn("ada@team.example");
  const bob = await signIn("bob@team.example");

  // The default API key from the first sign-in authenticates against its own workspace.
  const defaultKey = ada.callback.default_api_key.secret;
  const meByKey = await api("GET", "/v1/me", { bearer: defaultKey });
  assert.equal(meByKey.status, 200, meByKey.text);
  const personal = await api("GET", `/v1/orgs/${ada.callback.workspace.id}`, { bearer: defaultKey });
  assert.equal(personal.status, 200);

  const created = await api("POST", "/v1/orgs", { bearer: ada.token, body: { name: "Acme", slug: "acme-e2e" } });
  assert.equal(created.status, 201, created.text);
  const org = created.json.id ?? created.json.workspace?.id;
  assert.match(org, /^org_/);
  assert.equal((await api("GET", "/v1/orgs/acme-e2e", { bearer: ada.token })).status, 200, "slug resolves");
  assert.equal((await api("GET", "/v1/orgs/acme-e2e", { bearer: bob.token })).status, 404, "non-members see nothing");

  const added = await api("POST", `/v1/orgs/${org}/members`, { bearer: ada.token, body: { email: "bob@team.example", role: "member" } });
  assert.equal(added.status, 201, added.text);
  for (let i = 0; i < 3; i++) {
    const extra = await signIn(`extra-${i}@team.example`);
    const response = await api("POST", `/v1/orgs/${org}/members`, { bearer: ada.token, body: { user_id: extra.userId, role: "member" } });
    assert.equal(response.status, 201, response.text);
  }
  // Page through the 5 members two at a time.
  const seen = [];
  let cursor = null;
  do {
    const page = await api("GET", `/v1/orgs/${org}/members?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { bearer: bob.token });
    assert.equal(page.status, 200, page.text);
    assert.ok(page.json.data.length <= 2);
    seen.push(...page.json.data.map((m) => m.user_id));
    cursor = page.json.has_more ? page.json.next_cursor : null;
  } while (cursor);
  assert.equal(seen.length, 5);
  assert.equal(new Set(seen).size, 5);
  const tampered = await api("GET", `/v1/orgs/${org}/members?cursor=AAAA${"x".repeat(10)}`, { bearer: bob.token });
  assert.equal(tampered.status, 400);
  assert.equal(tampered.json.error.code, "cursor_invalid");

  // Members read but cannot manage.
  assert.equal((await api("PATCH", `/v1/orgs/${org}`, { bearer: bob.token, body: { name: "Bob's" } })).status, 403);

  // An API key works within its workspace and stops working once revoked.
  const key = await api("POST", `/v1/orgs/${org}/api-keys`, { bearer: ada.token, body: { name: "ci", scopes: ["read"], expires_in_days: 30 } });
  assert.equal(key.status, 201, key.text);
  const lifetime = Date.parse(key.json.api_key.expires_at) - Date.parse(key.json.api_key.created_at);
  assert.equal(lifetime, 30 * 86_400_000, "it expires in 30 days");
  assert.equal((await api("GET", `/v1/orgs/${org}/members`, { bearer: key.json.secret })).status, 200);
  assert.equal((await api("GET", `/v1/orgs/${ada.callback.workspace.id}`, { bearer: key.json.secret })).status, 404, "only its own workspace");
  const revoked = await api("DELETE", `/v1/orgs/${org}/api-keys/${key.json.api_key.id}`, { bearer: ada.token });
  assert.equal(revoked.status, 204);
  const refused = await api("GET", `/v1/orgs/${org}/members`, { bearer: key.json.secret });
  assert.equal(refused.status, 401);

  // The last owner cannot leave.
  const leave = await api("DELETE", `/v1/orgs/${org}/members/${ada.userId}`, { bearer: ada.token });
  assert.equal(leave.status, 409);
  assert.equal(leave.json.error.code, "last_owner");

  // The audit trail, newest first.
  const events = await api("GET", `/v1/orgs/${org}/events?limit=100`, { bearer: ada.token });
  assert.equal(events.status, 200, events.text);
  const actions = events.json.data.map((e) => e.action);
  assert.equal(actions[0], "api_key.revoked");
  assert.ok(actions.includes("workspace.created") && actions.includes("membership.created") && actions.includes("api_key.created"));

  // Deleting removes memberships and keys atomically; the personal workspace cannot be deleted.
  assert.equal((await api("DELETE", `/v1/orgs/${ada.callback.workspace.id}`, { bearer: ada.token })).status, 409);
  assert.equal((await api("DELETE", `/v1/orgs/${org}`, { bearer: ada.token })).status, 204);
  const [left] = stack.worker.sql(
    `SELECT (SELECT count(*) FROM memberships WHERE workspace_id = '${org}') AS memberships, (SELECT count(*) FROM api_keys WHERE workspace_id = '${org}') AS keys`,
  );
  assert.deepEqual(left, { memberships: 0, keys: 0 });
});

test("concurrent creates of one slug: one 201, the rest 409 slug_taken", async () => {
  const users = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => signIn(`racer-${i}@team.example`)));
  const answers = await Promise.all(users.map((u) => api("POST", "/v1/orgs", { bearer: u.token, body: { name: "Race", slug: "race-e2e" } })));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], answers.map((a) => a.text).join("\n"));
  for (const answer of answers.filter((a) => a.status === 409)) assert.equal(answer.json.error.code, "slug_taken");
  const [{ count }] = stack.worker.sql("SELECT count(*) AS count FROM workspaces WHERE slug = 'race-e2e'");
  assert.equal(count, 1);
});

test("bad input is a 4xx JSON error and writes nothing", async () => {
  const ada = await signIn("bad-input@team.example");
  const before = stack.worker.sql("SELECT count(*) AS n FROM workspaces")[0].n;
  for (const body of ["{not json", JSON.stringify({ name: "X", slug: "ok-slug", extra: 1 }), JSON.stringify({ name: 5, slug: "ok-slug" }), JSON.stringify({ name: "X", slug: "Bad Slug!" })]) {
    const response = await api("POST", "/v1/orgs", { bearer: ada.token, body });
    assert.ok(response.status >= 400 && response.status < 500, `${body} → ${response.status}`);
    assert.ok(response.json?.error?.code, response.text);
  }
  assert.equal(stack.worker.sql("SELECT count(*) AS n FROM workspaces")[0].n, before);
});

test("the default key adds members but makes no admin; an unverified email finds nobody", async () => {
  const ada = await signIn("ada@grants.example");
  const eve = await signIn("eve@grants.example");
  const org = ada.callback.workspace.id;
  const defaultKey = ada.callback.default_api_key.secret;
  const admin = await api("POST", `/v1/orgs/${org}/members`, { bearer: defaultKey, body: { user_id: eve.userId, role: "admin" } });
  assert.equal(admin.status, 403, admin.text);
  assert.equal(admin.json.error.code, "insufficient_scope");
  // With MCP on (the stack's default), the challenge also says where to get a token.
  assert.match(admin.headers.get("www-authenticate"), /^Bearer resource_metadata="[^"]+", error="insufficient_scope", scope="keys"$/);

  // WorkOS has not verified mallory's address: her sign-in records that, and adding by email
  // does not find her (by id, it still does).
  const { access_token, user_id } = await stack.standIn.token({ email: "mallory@grants.example" });
  await fetch(`${stack.standIn.url}/__dev/users`, {
    method: "POST",
    body: JSON.stringify({ id: user_id, email: "mallory@grants.example", email_verified: false }),
  });
  assert.equal((await api("POST", "/v1/auth/web/callback", { bearer: access_token })).status, 201);
  const byEmail = await api("POST", `/v1/orgs/${org}/members`, { bearer: defaultKey, body: { email: "mallory@grants.example", role: "member" } });
  assert.equal(byEmail.status, 404, byEmail.text);
  assert.equal(byEmail.json.error.code, "user_not_found");
  const byId = await api("POST", `/v1/orgs/${org}/members`, { bearer: defaultKey, body: { user_id, role: "member" } });
  assert.equal(byId.status, 201, byId.text);
});

test("concurrent changes to one workspace all land or answer 503 conflict, never half-written", async () => {
  const ada = await signIn("ada@race.example");
  const org = ada.callback.workspace.id;
  const eventsOf = () =>
    stack.worker.sql(`SELECT count(*) AS n FROM audit_events WHERE workspace_id = '${org}' AND action IN ('api_key.created', 'workspace.updated')`)[0].n;
  const eventsBefore = eventsOf(); // the default key's, from the first sign-in
  const changes = Array.from({ length: 8 }, (_, i) =>
    i % 2
      ? api("PATCH", `/v1/orgs/${org}`, { bearer: ada.token, body: { name: `Race ${i}` } })
      : api("POST", `/v1/orgs/${org}/api-keys`, { bearer: ada.token, body: { name: `key ${i}` } }),
  );
  const answers = await Promise.all(changes);
  for (const answer of answers) {
    assert.ok([200, 201, 503].includes(answer.status), `${answer.status} ${answer.text}`);
    if (answer.status === 503) assert.equal(answer.json.error.code, "conflict");
  }
  const landed = answers.filter((a) => a.status < 300).length;
  assert.ok(landed >= 1);
  // Each change that landed bumped the version once and wrote one audit event; none other did.
  const [{ version }] = stack.worker.sql(`SELECT version FROM workspaces WHERE id = '${org}'`);
  assert.equal(version, landed);
  assert.equal(eventsOf() - eventsBefore, landed);
});

test("an invited email joins at its first hosted sign-in; a revoked invitation lets nobody in", async () => {
  const ada = await signIn("ada@invites.example");
  const created = await api("POST", "/v1/orgs", { bearer: ada.token, body: { name: "Invites", slug: "invites-e2e" } });
  assert.equal(created.status, 201, created.text);
  const invite = (email, role) =>
    api("POST", "/v1/orgs/invites-e2e/invitations", { bearer: ada.token, body: { email, role } });
  const invited = await invite("Newcomer@Invites.example", "admin");
  assert.equal(invited.status, 201, invited.text);
  assert.equal(invited.json.state, "pending");
  const revoked = await invite("nope@invites.example", "member");
  assert.equal((await api("DELETE", `/v1/orgs/invites-e2e/invitations/${revoked.json.id}`, { bearer: ada.token })).status, 204);

  // The invitee follows the invitation's sign-up link through AuthKit's page to a session.
  const callback = await hostedSignIn(stack.worker, invited.json.sign_up_url, "newcomer@invites.example", (authorize) => {
    assert.equal(authorize.searchParams.get("screen_hint"), "sign-up");
    assert.equal(authorize.searchParams.get("login_hint"), "Newcomer@Invites.example");
  });
  const cookie = callback.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-edge_auth="));
  const workspace = await api("GET", "/v1/orgs/invites-e2e", { headers: { cookie } });
  assert.equal(workspace.status, 200, workspace.text);
  const members = await api("GET", "/v1/orgs/invites-e2e/members", { bearer: ada.token });
  const newcomer = members.json.data.find((m) => m.email === "newcomer@invites.example");
  assert.equal(newcomer?.role, "admin", members.text);
  const list = await api("GET", "/v1/orgs/invites-e2e/invitations", { bearer: ada.token });
  const byEmail = Object.fromEntries(list.json.data.map((i) => [i.email, i]));
  assert.equal(byEmail["Newcomer@Invites.example"].state, "accepted");
  assert.equal(byEmail["Newcomer@Invites.example"].accepted_by, newcomer.user_id);
  assert.equal(byEmail["nope@invites.example"].state, "revoked");
  // `?state=` lists one state's invitations, as the full list shows them.
  const emailsIn = async (state) =>
    (await api("GET", `/v1/orgs/invites-e2e/invitations?state=${state}`, { bearer: ada.token })).json.data.map((i) => i.email);
  assert.deepEqual(await emailsIn("accepted"), ["Newcomer@Invites.example"]);
  assert.deepEqual(await emailsIn("revoked"), ["nope@invites.example"]);
  assert.deepEqual(await emailsIn("pending"), []);

  // The revoked invitee signs in and is not a member.
  const outsider = await signIn("nope@invites.example");
  assert.equal((await api("GET", "/v1/orgs/invites-e2e", { bearer: outsider.token })).status, 404);
});
