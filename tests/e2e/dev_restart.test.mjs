// `npm run dev` keeps its local D1 and KV across restarts while the stand-in starts empty each
// time. A developer who restarts it must find their workspaces again: the stand-in gives an email
// the same user id in every run, as WorkOS keeps a user's id for good.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startStandIn, startWorker } from "./stack.mjs";

/** Signs `email` in through the web callback; retries while the worker's cached key set still
 * lacks a new stand-in's key (it refetches at most once per cooldown). */
async function signIn(standIn, worker, email) {
  const token = (await standIn.token({ email })).access_token;
  for (let attempt = 0; ; attempt++) {
    const answer = await worker.request("POST", "/v1/auth/web/callback", { bearer: token });
    if (answer.json?.error?.code !== "token_key_unknown" || attempt >= 10) return { token, answer };
    await sleep(500);
  }
}

test("a restarted dev stack signs the same email in as the same user, with its workspaces", async () => {
  let standIn = await startStandIn();
  let worker = await startWorker(standIn);
  try {
    const ada = await signIn(standIn, worker, "ada@restart.example");
    assert.equal(ada.answer.status, 201, ada.answer.text);
    const userId = ada.answer.json.user.id;
    const created = await worker.request("POST", "/v1/orgs", { bearer: ada.token, body: { name: "Acme", slug: "acme" } });
    assert.equal(created.status, 201, created.text);
    assert.equal((await signIn(standIn, worker, "bob@restart.example")).answer.status, 201);

    const { state } = worker;
    await worker.stop({ keepState: true });
    standIn.stop();
    standIn = await startStandIn();
    worker = await startWorker(standIn, {}, { state });

    const again = await signIn(standIn, worker, "Ada@Restart.example");
    assert.equal(again.answer.status, 200, again.answer.text);
    assert.equal(again.answer.json.user.id, userId);
    const slugs = (await worker.request("GET", "/v1/orgs", { bearer: again.token })).json.data.map((org) => org.slug);
    assert.ok(slugs.includes("acme"), JSON.stringify(slugs));
    // bob is one user still, so adding him by email names him.
    await signIn(standIn, worker, "bob@restart.example");
    const added = await worker.request("POST", "/v1/orgs/acme/members", {
      bearer: again.token,
      body: { email: "bob@restart.example", role: "member" },
    });
    assert.equal(added.status, 201, added.text);
  } finally {
    await worker.stop({ keepState: true });
    standIn.stop();
    rmSync(worker.state, { recursive: true, force: true });
  }
});
