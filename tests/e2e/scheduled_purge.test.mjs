// The cron handler (`scheduled`, every 15 minutes in production) through the worker's entry
// module: it purges the callback answers whose token has expired, and nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startStandIn, startWorker } from "./stack.mjs";

test("the cron run purges expired callback answers and keeps live ones", async () => {
  const standIn = await startStandIn();
  const worker = await startWorker(standIn, {}, { testScheduled: true });
  try {
    for (const email of ["expired@purge.example", "live@purge.example"]) {
      const token = (await standIn.token({ email })).access_token;
      const answer = await worker.request("POST", "/v1/auth/web/callback", { bearer: token });
      assert.equal(answer.status, 201, answer.text);
    }
    worker.sql(
      "UPDATE callback_replays SET expires_at = 1 WHERE user_id = (SELECT id FROM users WHERE email = 'expired@purge.example')",
    );
    const run = await worker.request("GET", "/__scheduled?cron=*/15+*+*+*+*");
    assert.equal(run.status, 200, run.text);
    const left = worker.sql("SELECT u.email FROM callback_replays r JOIN users u ON u.id = r.user_id");
    assert.deepEqual(left.map((row) => row.email), ["live@purge.example"]);
  } finally {
    worker.stop();
    standIn.stop();
  }
});
