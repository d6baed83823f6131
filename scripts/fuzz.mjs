// `npm run fuzz`: schemathesis against /v1/openapi.json of the release worker under `wrangler dev`
// with the WorkOS stand-in, as a signed-in user, in that user's own workspace. Installs
// schemathesis into `.venv-fuzz` (PyPI) on first use. Extra arguments go to `schemathesis run`
// (e.g. `-- --max-examples 200`).
// A fuzzer, not a test: `npm test` does not run it.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawn } from "node:child_process";
import { ROOT, run } from "./toolchain.mjs";
import { startStack } from "../tests/e2e/stack.mjs";

const venv = join(ROOT, ".venv-fuzz");
const schemathesis = join(venv, "bin", "schemathesis");
if (!existsSync(schemathesis)) {
  run("python3", ["-m", "venv", venv]);
  run(join(venv, "bin", "pip"), ["install", "--quiet", "schemathesis"]);
}
run("node", ["scripts/build.mjs"]);
run("cargo", ["build", "--release", "--bin", "workos-stand-in"]);

const stack = await startStack();
let status = 1;
try {
  const { access_token } = await stack.standIn.token({ email: "fuzz@example.com", ttl_seconds: 3600 });
  const callback = await stack.worker.request("POST", "/v1/auth/web/callback", { bearer: access_token });
  if (callback.status !== 201) throw new Error(`sign-in failed: ${callback.status} ${callback.text}`);
  const base = stack.worker.base;
  // Every `{org}` the fuzzer fills in is the signed-in user's own workspace, every `{user_id}`
  // that user, every `{key_id}` their default key and every `{invitation_id}` one invitation
  // made here, so those routes are exercised past their 404 (random ids name nothing). Ids, not
  // the slug: the fuzzer changes the slug.
  const workspace = callback.json.workspace.id;
  const invitation = await stack.worker.request("POST", `/v1/orgs/${workspace}/invitations`, {
    bearer: access_token,
    body: { email: "invitee@example.com", role: "member" },
  });
  if (invitation.status !== 201) throw new Error(`invitation failed: ${invitation.status} ${invitation.text}`);
  const pinned = {
    "path.org": workspace,
    "path.user_id": callback.json.user.id,
    "path.key_id": callback.json.default_api_key.api_key.id,
    "path.invitation_id": invitation.json.id,
  };
  const config = join(ROOT, "target", "schemathesis.toml");
  mkdirSync(dirname(config), { recursive: true });
  const lines = Object.entries(pinned).map(([name, value]) => `${JSON.stringify(name)} = ${JSON.stringify(value)}`);
  writeFileSync(config, `[parameters]\n${lines.join("\n")}\n`);
  const args = ["--config-file", config, "run", `${base}/v1/openapi.json`, "--url", base, "-H", `Authorization: Bearer ${access_token}`, "--checks", "all", ...process.argv.slice(2)];
  // Not spawnSync: it would stop this process reading the stand-in's and wrangler's output, and
  // once a pipe is full they block on their next log line: the worker's calls to WorkOS then
  // time out, and the fuzzer reports 503s that are the harness's own.
  const fuzzer = spawn(schemathesis, args, { stdio: "inherit" });
  status = await new Promise((done) => fuzzer.on("exit", (code) => done(code ?? 1)));
} finally {
  stack.stop();
}
process.exit(status);
