// Part of `npm run bench -- --only peer`: the same read (`GET /v1/orgs/{id}`) by a cookie
// session and by a bearer token, on one worker, interleaved round by round. The goal:
// the same D1 round trips (figure 6 counts them) and throughput within 10 % of the bearer's.
import { startWorker } from "../tests/e2e/stack.mjs";
import { median } from "./statistics.mjs";
import { bearer, cpuPerRequest, cpuRatio, figures, measure, newEntry } from "./bench-load.mjs";

export async function benchSession({ report, rounds, standIn }) {
  // The dev API key: password sign-up goes through the stand-in's user management.
  const worker = await startWorker(standIn, { JWKS_REFETCH_COOLDOWN_SECONDS: "30" });
  const command = "npm run bench -- --only peer";
  try {
    const up = await fetch(`${worker.base}/v1/auth/sign-up`, {
      method: "POST",
      headers: { origin: worker.base, "content-type": "application/json" },
      body: JSON.stringify({ email: "session@bench.example", password: "long enough pw" }),
    });
    if (up.status !== 201) throw new Error(`sign-up: ${up.status} ${await up.text()}`);
    const cookie = up.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-edge_auth="));
    const me = await (await fetch(`${worker.base}/v1/me`, { headers: { cookie } })).json();
    const sessionOrg = me.memberships[0].workspace.id;
    const token = (await standIn.token({ email: "bearer@bench.example" })).access_token;
    const first = await fetch(`${worker.base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
    const bearerOrg = (await first.json()).workspace.id;
    const kinds = {
      "session cookie": { path: `/v1/orgs/${sessionOrg}`, headers: { cookie } },
      bearer: { path: `/v1/orgs/${bearerOrg}`, headers: bearer(token) },
    };
    for (const concurrency of [1, 16]) {
      const perRound = concurrency === 1 ? 20 : 96;
      const results = {};
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? ["bearer", "session cookie"] : ["session cookie", "bearer"];
        for (const kind of order) {
          const requests = Array.from({ length: perRound }, () => ({ method: "GET", ...kinds[kind] }));
          await measure(worker, requests, concurrency, (results[kind] ??= newEntry()));
        }
      }
      const [cookieEntry, bearerEntry] = [results["session cookie"], results.bearer];
      report(`7. GET /v1/orgs/{id}, c=${concurrency}: session cookie`, figures(cookieEntry), command);
      report(`7. GET /v1/orgs/{id}, c=${concurrency}: bearer, same worker`, figures(bearerEntry), command);
      report(
        `7. GET /v1/orgs/{id}, c=${concurrency}: cookie ÷ bearer`,
        `${(median(cookieEntry.rates) / median(bearerEntry.rates)).toFixed(2)}× throughput, ` +
          `${cpuRatio(cpuPerRequest(bearerEntry), cpuPerRequest(cookieEntry))} in workerd CPU per request (bearer ÷ cookie)`,
        command,
      );
    }
  } finally {
    worker.stop();
  }
}
