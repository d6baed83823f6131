// Part of `npm run bench -- --only peer`: the same read (`GET /v1/orgs/{id}`) by a cookie
// session, by a bearer token and by an MCP client (`tools/call get_workspace`), on one worker,
// interleaved round by round. The goal for the cookie: the same D1 round trips (figure 6
// counts them) and throughput within 10 % of the bearer's.
import { startWorker } from "../tests/e2e/stack.mjs";
import { BENCH_TOKEN_TTL_SECONDS, bearer, figures, inRoundOrder, measure, newEntry, pairedRatio } from "./bench-load.mjs";

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
    const token = (await standIn.token({ email: "bearer@bench.example", ttl_seconds: BENCH_TOKEN_TTL_SECONDS })).access_token;
    const first = await fetch(`${worker.base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
    const bearerOrg = (await first.json()).workspace.id;
    // An MCP client's token (audience: the worker's /mcp); its first call provisions its user.
    const mcp = await fetch(`${standIn.url}/__dev/mcp-tokens`, {
      method: "POST",
      body: JSON.stringify({ aud: `${worker.base}/mcp`, email: "mcp@bench.example", scope: "read", ttl_seconds: BENCH_TOKEN_TTL_SECONDS }),
    });
    const mcpToken = (await mcp.json()).access_token;
    const call = (name, args) => ({
      method: "POST",
      path: "/mcp",
      headers: { ...bearer(mcpToken), "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    });
    const whoami = await (await fetch(`${worker.base}/mcp`, call("whoami", {}))).json();
    const mcpOrg = whoami.result.structuredContent.memberships[0].workspace.id;
    const check = await (await fetch(`${worker.base}/mcp`, call("get_workspace", { workspace: mcpOrg }))).json();
    if (check.result?.isError !== false) throw new Error(`MCP get_workspace: ${JSON.stringify(check)}`);
    const kinds = {
      "session cookie": { method: "GET", path: `/v1/orgs/${sessionOrg}`, headers: { cookie } },
      bearer: { method: "GET", path: `/v1/orgs/${bearerOrg}`, headers: bearer(token) },
      "MCP tools/call get_workspace": call("get_workspace", { workspace: mcpOrg }),
    };
    for (const concurrency of [1, 16]) {
      const perRound = concurrency === 1 ? 20 : 96;
      const results = {};
      for (let round = 0; round < rounds; round++) {
        for (const kind of inRoundOrder(Object.keys(kinds), round)) {
          const requests = Array.from({ length: perRound }, () => kinds[kind]);
          await measure(worker, requests, concurrency, (results[kind] ??= newEntry()));
        }
      }
      const bearerEntry = results.bearer;
      report(`7. GET /v1/orgs/{id}, c=${concurrency}: bearer, same worker`, figures(bearerEntry), command);
      for (const [kind, short] of [["session cookie", "cookie"], ["MCP tools/call get_workspace", "MCP"]]) {
        report(`7. GET /v1/orgs/{id}, c=${concurrency}: ${kind}`, figures(results[kind]), command);
        report(
          `7. GET /v1/orgs/{id}, c=${concurrency}: ${short} ÷ bearer`,
          `${pairedRatio(results[kind].rates, bearerEntry.rates)} throughput, ` +
            `${pairedRatio(bearerEntry.cpuRounds, results[kind].cpuRounds)} in workerd CPU per request (bearer ÷ ${short})`,
          command,
        );
      }
    }
  } finally {
    worker.stop();
  }
}
