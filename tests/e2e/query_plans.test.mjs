// Every statement the native tests ran, planned again in workerd's own SQLite: the one D1 runs,
// which is not the one the native tests bundle, and which plans some statements differently.
// `w.id = ?2 OR w.slug = ?3` was two index searches in the bundled SQLite (3.46) and a scan of
// every workspace in workerd's (3.54), on every request that named a workspace; an org read cost
// ~25 % more CPU in workerd after 4,000 sign-ins than before them (docs/performance.md).
// The native tests write the statements (tests/api/helpers.rs, `record_for_workerd_plans`);
// `npm test` runs them first.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { WORKERD_PLANS_DIR } from "../../scripts/toolchain.mjs";
import { migratedState } from "./stack.mjs";

/** Fewer than this many recorded statements means the native tests did not run first. */
const FEWEST_STATEMENTS = 80;

let database;
let miniflare;
let state;

before(async () => {
  state = migratedState();
  // The migrated database, opened by a worker of Miniflare's own (workerd, D1's SQLite).
  miniflare = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 404 }); } };",
      resourcePersistencePath: join(state, "v3"),
      d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
    }),
  );
  database = await miniflare.getD1Database("DB");
});

after(async () => {
  await miniflare?.dispose();
  if (state) rmSync(state, { recursive: true, force: true });
});

/** The number of parameters of `sql`: `?N` as the statements name them, `?` as the triggers'
 * statements do once their `NEW.column`s are parameters. */
function parameterCount(sql) {
  const numbered = (sql.match(/\?\d+/g) ?? []).reduce((most, name) => Math.max(most, Number(name.slice(1))), 0);
  return numbered + (sql.match(/\?(?!\d)/g) ?? []).length;
}

/** Whether a line of a query plan scans a table or a whole index: the rule in
 * tests/plan_scan_rule.json, which the native tests apply to the bundled SQLite's plans
 * (`scans_a_table` in tests/api/helpers.rs says why each exception is not a table). */
const RULE = JSON.parse(readFileSync(new URL("../plan_scan_rule.json", import.meta.url), "utf8"));
const scansATable = (detail) =>
  detail.startsWith(RULE.scan) &&
  !RULE.notTables.equal.includes(detail) &&
  !RULE.notTables.startsWith.some((start) => detail.startsWith(start)) &&
  !RULE.notTables.contains.some((part) => detail.includes(part));

/** The plan of `sql` in workerd's SQLite, and its lines that scan a table or a whole index. */
async function scans(sql) {
  const { results } = await database.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...Array(parameterCount(sql)).fill(null)).all();
  const plan = results.map((row) => row.detail);
  return { plan, scanning: plan.filter(scansATable) };
}

test("workerd's SQLite plans the OR of an id and a slug as a scan, which the check catches", async () => {
  const { scanning } = await scans("SELECT name FROM workspaces WHERE id = ?1 OR slug = ?2 COLLATE NOCASE");
  assert.deepEqual(scanning, ["SCAN workspaces"]);
});

test("no statement the worker runs scans a whole table in workerd's SQLite", async () => {
  assert.ok(existsSync(WORKERD_PLANS_DIR), `${WORKERD_PLANS_DIR} is missing: run the native tests first (npm test does)`);
  const files = readdirSync(WORKERD_PLANS_DIR).filter((name) => name.endsWith(".sql"));
  assert.ok(files.length >= FEWEST_STATEMENTS, `only ${files.length} statements recorded: run the native tests first (npm test does)`);
  const failures = [];
  for (const file of files) {
    const sql = readFileSync(join(WORKERD_PLANS_DIR, file), "utf8");
    const { plan, scanning } = await scans(sql);
    if (scanning.length > 0) failures.push(`${sql}\n  ${plan.join("\n  ")}`);
  }
  assert.deepEqual(failures, [], `statements that scan a whole table in workerd's SQLite:\n${failures.join("\n\n")}`);
  console.log(`${files.length} statements planned in workerd's SQLite, none scans a table`);
});
