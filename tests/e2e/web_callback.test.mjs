import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { reportIfFailed, startStack } from "./stack.mjs";

let stack;
before(async () => (stack = await startStack()));
after(() => stack?.stop());
afterEach((t) => reportIfFailed(t, stack));

const callback = (token) => stack.worker.request("POST", "/v1/auth/web/callback", { bearer: token });

test("first sign-in provisions, a replay is byte-identical, a returning sign-in gets no key", async () => {
  const first = await stack.standIn.token({ email: "grace@example.com" });
  const created = await callback(first.access_token);
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.workspace.slug, "grace");
  assert.match(created.json.default_api_key.secret, /^eak_/);
  const replay = await callback(first.access_token);
  assert.equal(replay.status, 201);
  assert.equal(replay.text, created.text);

  const again = await stack.standIn.token({ email: "grace@example.com" });
  const returning = await callback(again.access_token);
  assert.equal(returning.status, 200);
  assert.equal(returning.json.default_api_key, null);
  assert.equal(returning.json.workspace.id, created.json.workspace.id);
});

test("50 concurrent callbacks for one new user provision exactly once", async () => {
  const email = "hopper@example.com";
  const tokens = [];
  for (let i = 0; i < 10; i++) tokens.push((await stack.standIn.token({ email })).access_token);
  // 50 requests: each of the 10 tokens sent 5 times, all at once.
  const order = Array.from({ length: 50 }, (_, i) => tokens[i % tokens.length]);
  const answers = await Promise.all(order.map((token) => callback(token)));
  for (const answer of answers) assert.ok(answer.status === 201 || answer.status === 200, answer.text);
  const workspaceIds = new Set(answers.map((a) => a.json.workspace.id));
  const membershipIds = new Set(answers.map((a) => a.json.membership.id));
  assert.equal(workspaceIds.size, 1, "one personal workspace");
  assert.equal(membershipIds.size, 1, "one membership");
  const secrets = new Set(answers.filter((a) => a.json.default_api_key).map((a) => a.json.default_api_key.secret));
  assert.equal(secrets.size, 1, "one default API key");
  const [counts] = stack.worker.sql(
    "SELECT (SELECT count(*) FROM users WHERE email = 'hopper@example.com') AS users, " +
      "(SELECT count(*) FROM workspaces w JOIN users u ON w.personal_owner_id = u.id WHERE u.email = 'hopper@example.com') AS workspaces, " +
      "(SELECT count(*) FROM memberships m JOIN users u ON m.user_id = u.id WHERE u.email = 'hopper@example.com') AS memberships, " +
      "(SELECT count(*) FROM api_keys k JOIN workspaces w ON k.workspace_id = w.id JOIN users u ON w.personal_owner_id = u.id WHERE u.email = 'hopper@example.com') AS api_keys",
  );
  assert.deepEqual(counts, { users: 1, workspaces: 1, memberships: 1, api_keys: 1 });
  // Identical tokens got identical answers.
  const byToken = new Map();
  order.forEach((token, i) => {
    const seen = byToken.get(token);
    if (seen === undefined) byToken.set(token, answers[i]);
    else assert.equal(answers[i].text, seen.text);
  });
});

test("a token without jti or sid is refused and writes nothing", async () => {
  const { access_token } = await stack.standIn.token({ email: "nobody@example.com", omit: ["jti", "sid"] });
  const response = await callback(access_token);
  assert.equal(response.status, 401);
  assert.equal(response.json.error.code, "not_authenticated");
});
