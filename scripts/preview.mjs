// One preview per pull request: `node scripts/preview.mjs deploy|teardown`, with PR_NUMBER set.
//   deploy:   creates (once) and migrates the PR's own D1 database and KV namespace, deploys
//             `--env preview --name edge-auth-pr-<N>` with its secrets from `--secrets-file`,
//             and prints `url=<preview URL>` (also to $GITHUB_OUTPUT for the workflow).
//   teardown: deletes the preview worker, its database and its namespace.
// Needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID; the secrets come from PREVIEW_API_KEY_PEPPER
// and WORKOS_STAGING_API_KEY. DRY_RUN=1 does every local step and `wrangler deploy --dry-run`,
// with placeholder ids and no call to Cloudflare (what .ci/run exercises).
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, toolEnv } from "./toolchain.mjs";

const action = process.argv[2];
const pr = process.env.PR_NUMBER;
const dryRun = process.env.DRY_RUN === "1";
if (!["deploy", "teardown"].includes(action) || !/^\d+$/.test(pr ?? "")) {
  console.error("usage: PR_NUMBER=<n> node scripts/preview.mjs deploy|teardown   (DRY_RUN=1 to try it offline)");
  process.exit(2);
}
const name = `edge-auth-pr-${pr}`;
const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");

/** Runs wrangler; its stdout, or throws with its stderr. */
function wranglerRun(args, { allowFailure = false } = {}) {
  console.log(`$ wrangler ${args.join(" ")}`);
  const result = spawnSync(wrangler, args, { cwd: ROOT, encoding: "utf8", env: toolEnv() });
  if (result.status !== 0 && !allowFailure) {
    throw new Error(`wrangler ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
  }
  process.stdout.write(result.stdout);
  return result.status === 0 ? result.stdout : null;
}

/** The JSON a wrangler command printed (after any banner line). */
const jsonOf = (text) => JSON.parse(text.slice(text.search(/^[[{]/m)));

/** The id of the PR's D1 database, created on first use. */
function database() {
  if (dryRun) return "00000000-0000-0000-0000-0000000000d1";
  const find = () => jsonOf(wranglerRun(["d1", "list", "--json"])).find((db) => db.name === name)?.uuid;
  if (!find()) wranglerRun(["d1", "create", name]);
  return find();
}

/** The id of the PR's KV namespace, created on first use. */
function namespace() {
  if (dryRun) return "000000000000000000000000000000a1";
  const find = () => jsonOf(wranglerRun(["kv", "namespace", "list"])).find((ns) => ns.title === name)?.id;
  if (!find()) wranglerRun(["kv", "namespace", "create", name]);
  return find();
}

/** wrangler.toml with [env.preview] pointed at this PR's database and namespace. */
function previewConfig(databaseId, namespaceId) {
  const config = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const preview = config.indexOf("[env.preview]");
  const next = config.indexOf("\n[env.", preview + 1);
  const end = next === -1 ? config.length : next;
  const section = config
    .slice(preview, end)
    .replace(/database_name = "[^"]*"/, `database_name = "${name}"`)
    .replace(/database_id = "[^"]*"/, `database_id = "${databaseId}"`)
    .replace(/(binding = "AUTH_KV", id = )"[^"]*"/, `$1"${namespaceId}"`);
  // Next to wrangler.toml, so that its relative paths (main, migrations) still hold.
  const path = join(ROOT, ".wrangler-preview.toml");
  writeFileSync(path, config.slice(0, preview) + section + config.slice(end));
  return path;
}

function deploy() {
  const config = previewConfig(database(), namespace());
  const secrets = mkdtempSync(join(tmpdir(), "edge-auth-preview-"));
  try {
    const secretsFile = join(secrets, "secrets.json");
    writeFileSync(
      secretsFile,
      JSON.stringify({
        API_KEY_PEPPER: process.env.PREVIEW_API_KEY_PEPPER ?? (dryRun ? "dry:dry-run-pepper-0123456789abcdef" : ""),
        WORKOS_API_KEY: process.env.WORKOS_STAGING_API_KEY ?? (dryRun ? "sk_test_dry_run" : ""),
      }),
    );
    if (!dryRun) {
      wranglerRun(["d1", "migrations", "apply", name, "--remote", "--env", "preview", "--config", config]);
    }
    const args = ["deploy", "--env", "preview", "--name", name, "--config", config, "--secrets-file", secretsFile];
    if (dryRun) {
      const outdir = join(ROOT, "target", "preview-dry-run");
      mkdirSync(outdir, { recursive: true });
      wranglerRun([...args, "--dry-run", "--outdir", outdir]);
      console.log(`url=https://${name}.<your-subdomain>.workers.dev (dry run: nothing deployed)`);
      return;
    }
    const output = wranglerRun(args);
    const url = output.match(/https:\/\/\S+\.workers\.dev/)?.[0];
    if (!url) throw new Error("wrangler deploy printed no workers.dev URL");
    console.log(`url=${url}`);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `url=${url}\n`);
  } finally {
    rmSync(secrets, { recursive: true, force: true });
    rmSync(config, { force: true });
  }
}

function teardown() {
  if (dryRun) {
    console.log(`dry run: would delete the worker ${name}, its D1 database and its KV namespace`);
    return;
  }
  // Each step tolerates what is already gone, so a retried teardown finishes the rest.
  wranglerRun(["delete", "--name", name, "--force"], { allowFailure: true });
  wranglerRun(["d1", "delete", name, "--skip-confirmation"], { allowFailure: true });
  const id = jsonOf(wranglerRun(["kv", "namespace", "list"])).find((ns) => ns.title === name)?.id;
  if (id) wranglerRun(["kv", "namespace", "delete", "--namespace-id", id, "--skip-confirmation"], { allowFailure: true });
}

if (action === "deploy") deploy();
else teardown();
