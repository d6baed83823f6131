// `npm run dev`: builds the worker, applies migrations to the local D1, starts the WorkOS
// stand-in on 127.0.0.1:9797 (where wrangler.toml's development WORKOS_API_BASE points) and
// `wrangler dev` on 127.0.0.1:8787, points the stand-in's webhooks at the worker, then prints how
// to sign in. Ctrl-C stops everything.
import { join } from "node:path";
import { ROOT, run, startService, stopService } from "./toolchain.mjs";

const STAND_IN_PORT = process.env.WORKOS_STAND_IN_PORT ?? "9797";
const WORKER_PORT = process.env.PORT ?? "8787";
const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
// wrangler.toml's development WORKOS_WEBHOOK_SECRET: the stand-in signs its deliveries with it.
const WEBHOOK_SECRET = "whsec_INSECURE-DEV-webhook-secret";

run("node", ["scripts/build.mjs"]);
run("cargo", ["build", "--release", "--bin", "workos-stand-in"]);
run(wrangler, ["d1", "migrations", "apply", "edge-auth", "--local"]);

const children = [];
const stopAll = () => children.forEach(stopService);
process.on("SIGINT", () => (stopAll(), process.exit(130)));
process.on("SIGTERM", () => (stopAll(), process.exit(143)));
process.on("exit", stopAll);

try {
  const standIn = await startService(join(ROOT, "target", "release", "workos-stand-in"), ["--port", STAND_IN_PORT], {
    ready: /listening on (http:\/\/\S+)/,
    name: "workos-stand-in",
    timeoutMs: 30_000,
  });
  children.push(standIn.child);
  const worker = await startService(
    wrangler,
    ["dev", "--ip", "127.0.0.1", "--port", WORKER_PORT, "--show-interactive-dev-session=false",
      "--var", `WORKOS_API_BASE:http://127.0.0.1:${STAND_IN_PORT}`, "--var", `AUTHKIT_DOMAIN:http://127.0.0.1:${STAND_IN_PORT}`],
    { ready: /Ready on (http:\/\/\S+)/, name: "wrangler", env: { EDGE_AUTH_SKIP_BUILD: "1" } },
  );
  children.push(worker.child);
  const webhooks = await fetch(`${standIn.match[1]}/__dev/webhooks`, {
    method: "POST",
    body: JSON.stringify({ url: `http://127.0.0.1:${WORKER_PORT}/v1/webhooks/workos`, secret: WEBHOOK_SECRET }),
  });
  if (!webhooks.ok) throw new Error(`the stand-in refused the webhook endpoint: ${await webhooks.text()}`);
  for (const child of children) {
    child.stdout.on("data", (chunk) => process.stdout.write(chunk));
    child.stderr.on("data", (chunk) => process.stderr.write(chunk));
    child.on("exit", (code) => {
      console.error(`a dev process exited (${code}); stopping`);
      stopAll();
      process.exit(code ?? 1);
    });
  }
  const api = `http://127.0.0.1:${WORKER_PORT}`;
  console.log(`
  edge-auth is running at ${api}  (local D1 and KV under .wrangler/state)
  WorkOS stand-in at ${standIn.match[1]}

  The sign-in console, in a browser (the stand-in's page takes any email):
    http://localhost:${WORKER_PORT}/
  Or sign in and land on the API with the cookie:
    http://localhost:${WORKER_PORT}/v1/auth/login?return_to=/v1/me

  Or with a token, from the command line:
    TOKEN=$(npm run --silent token -- --email ada@example.com)
    curl -s -X POST ${api}/v1/auth/web/callback -H "authorization: Bearer $TOKEN"
    curl -s ${api}/v1/auth/session -H "authorization: Bearer $TOKEN"
    curl -s ${api}/v1/health

  MCP at ${api}/mcp, with a token the stand-in mints for it (AuthKit plays at the stand-in):
    MCP_TOKEN=$(curl -s -X POST ${standIn.match[1]}/__dev/mcp-tokens -d '{"email":"ada@example.com","aud":"${api}/mcp"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
    curl -s ${api}/mcp -H "authorization: Bearer $MCP_TOKEN" -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}'

  WorkOS's webhooks reach the worker: delete a user at the stand-in and their next request is refused.
    curl -s -X DELETE ${standIn.match[1]}/user_management/users/<user id> -H 'authorization: Bearer sk_test_local_dev'
    curl -s ${standIn.match[1]}/__dev/webhooks      (what was delivered)

  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(error.message);
  stopAll();
  process.exit(1);
}
