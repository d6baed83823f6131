// `npm run bench -- --only instructions`: the instructions each read path costs the worker's
// workerd process, beside the peer's and the floors', counted by valgrind's callgrind.
//
// Why a count: the other benches read CPU time, which moves ±15 % from round to round on these
// shared machines; the paired bench narrows a ratio to a few per cent, which leaves the last few
// per cent of the read paths' gap (docs/performance.md) below what any A/B here resolves. An
// instruction count does not grow while a process waits for a core or its caches are cold, so the
// same load counts the same to within ~1–3 % (the collector and V8's optimising compiles land in
// some rounds and not others) whatever else the machine is doing. It is a different figure from
// CPU time (a cache miss costs cycles, not instructions), so it finds where work goes and tells
// two builds apart; the CPU benches say what that work costs in time.
//
// Each side's `wrangler dev` runs its worker's workerd process under callgrind (wrangler's proxy
// and the migrations run as usual). Callgrind instruments the process only around each counted
// load (`callgrind_control`; about fifty times slower then, a few times slower otherwise), so the
// figure is the requests' own work: the worker's code, V8, D1's SQLite (which `wrangler dev` runs
// in the same process) and the runtime, on every thread of the process. Requests go one at a
// time. Each count is also split by where the instructions ran (JIT code, V8's compilers, its
// interpreter, SQLite, BoringSSL, the rest), so the report says what the difference between two
// sides is made of. That split counts each function's own instructions, which left most of what
// D1's SQLite costs in "the rest" (its allocations, its static functions); the report also gives
// D1's SQLite whole, every call into it with all it ran, and how many of its statements it parsed
// and planned again, which is how the org read's re-planning was found (src/store/sql_fragments.rs).
// A benchmark, not a test.
//
// `CALLGRIND_EXTRA` passes more options to callgrind: `CALLGRIND_EXTRA=--cache-sim=yes` with
// `INSTRUCTIONS_KEEP_DUMPS=1` keeps, beside each count, its simulated cache misses (the report
// reads only the instructions). The worker's org read missed the first-level caches no more often
// per instruction than the peer's (docs/performance.md, 2026-12-03).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "./toolchain.mjs";
import { PEER_LIKE_WORKER_VARS, inRoundOrder, load } from "./bench-load.mjs";
import { descendants } from "./process-cpu.mjs";
import { medianInterval } from "./statistics.mjs";
import { peerPaths, startBaseline, startFloor, startPeer, startRustFloor } from "./bench-peer.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";

const COMMAND = "npm run bench -- --only instructions";
/** Requests per load and round: enough that a scavenge or a compile more or less moves a count by
 * ~1 %. */
const PER_LOAD = 200;
/** Requests of each load sent before the first counted round. V8 optimises a function once it
 * has run enough of its code: with `--trace-opt`, the JS a stream of org reads runs (the
 * runtime's D1 client, miniflare's entry worker, the glue) was still being compiled after 500
 * requests (101 compiles in the next 1,000) and no longer after 1,500. Counted before that, a
 * request's figure carries a young isolate's compiling, which `--only cold` measures apart. */
const WARM_UP = 1500;
/** Requests sent, not counted, right before each counted load, so that the load starts warm
 * whatever ran before it. */
const SETTLE = 20;

const DIRECTORY = join(ROOT, "target", "bench-instructions");

/** Whether valgrind is installed (it is on every machine of this kind; CI does not run benches). */
const hasCallgrind = () => spawnSync("callgrind_control", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * The script `wrangler dev` starts instead of workerd (MINIFLARE_WORKERD_PATH): the worker's own
 * process (the one with the inspector) under callgrind, counting nothing until told; any other
 * workerd (wrangler's proxy, the migrations) as it is.
 */
function writeWrapper(workerd) {
  const wrapper = join(DIRECTORY, "workerd-callgrind.sh");
  writeFileSync(
    wrapper,
    `#!/bin/sh
case " $* " in
  *" --inspector-addr"*) exec valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no ${process.env.CALLGRIND_EXTRA ?? ""} \\
    --dump-instr=no --callgrind-out-file=${DIRECTORY}/callgrind.%p -q ${workerd} "$@" ;;
  *) exec ${workerd} "$@" ;;
esac
`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** The process under callgrind below `rootPid` (the wrangler that started it). */
function countedProcess(rootPid) {
  const found = descendants(rootPid)
    .map(([pid]) => pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("callgrind");
      } catch {
        return false; // The process ended while we looked.
      }
    });
  if (found.length !== 1) throw new Error(`expected one workerd under callgrind below ${rootPid}, found ${found.length}`);
  return found[0];
}

/**
 * A reader of one callgrind dump's function names, which the dump compresses: `(id) name` the
 * first time a name appears (after `fn=` or `cfn=`, one table for both), `(id)` after that.
 */
function nameReader() {
  const names = new Map();
  return (spec) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!match) return spec;
    if (match[2] !== undefined) names.set(match[1], match[2]);
    return names.get(match[1]);
  };
}

/**
 * Exclusive instruction counts by function of a callgrind dump (its cost lines, without the
 * inclusive cost that follows each `calls=` line): a map of each function's name to its count.
 * Callgrind names code without symbols (wasm and JS compiled at run time) by its address.
 */
export function exclusiveCounts(path) {
  const named = nameReader();
  const totals = new Map();
  let current = null;
  let skipNext = false;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^[0-9+*-]/.test(line)) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const cost = Number(line.split(" ")[1]);
      if (current !== null && Number.isFinite(cost)) totals.set(current, (totals.get(current) ?? 0) + cost);
    } else if (line.startsWith("fn=")) current = named(line.slice(3));
    else if (line.startsWith("cfn=")) named(line.slice(4));
    else if (line.startsWith("calls=")) skipNext = true;
  }
  return totals;
}

/**
 * How many calls a callgrind dump counts into the function `name`, from anywhere. Its `calls=`
 * lines each follow the `cfn=` they count.
 */
function callsInto(path, name) {
  const named = nameReader();
  let callee = null;
  let calls = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.startsWith("cfn=")) callee = named(line.slice(4));
    else if (line.startsWith("fn=")) named(line.slice(3));
    else if (line.startsWith("calls=") && callee === name) calls += Number(line.slice(6).split(" ")[0]);
  }
  return calls;
}

/**
 * The instructions a callgrind dump counts in calls from workerd's C++ into SQLite's functions,
 * each call with everything it ran: D1's SQLite whole, with its parsing's and planning's
 * allocations and workerd's file system under it, which `where` splits between "SQLite" and
 * "runtime" (SQLite's static functions, `resolveExprStep` and the like, carry no `sqlite3` in their
 * names). The line after a `calls=` line holds the call's inclusive cost. SQLite is C, so a caller
 * with `::` in its name is outside it.
 */
function inSqliteWhole(path) {
  const named = nameReader();
  let caller = "";
  let callee = "";
  let costOfCall = false;
  let total = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (costOfCall) {
      costOfCall = false;
      total += Number(line.split(" ")[1]) || 0;
    } else if (line.startsWith("fn=")) caller = named(line.slice(3)) ?? "";
    else if (line.startsWith("cfn=")) callee = named(line.slice(4)) ?? "";
    else if (line.startsWith("calls=")) costOfCall = caller.includes("::") && callee.startsWith("sqlite3");
  }
  return total;
}

/** A callgrind dump's exclusive counts grouped by `where`. */
function countsByPlace(path) {
  const totals = {};
  for (const [name, count] of exclusiveCounts(path)) totals[where(name)] = (totals[where(name)] ?? 0) + count;
  return totals;
}

/** The part of the process a function belongs to. */
function where(name) {
  // Code without symbols: wasm and JS compiled at run time, and the builtins V8 copies into the
  // same code range.
  if (/^0x/.test(name)) return "JIT code";
  if (/compiler::|turboshaft|maglev|wasm::.*(Compil|Liftoff|Graph)/.test(name)) return "V8 compiling";
  // JS run as bytecode: Ignition's handlers, one builtin per bytecode (`…Handler`; callgrind adds
  // `'2` and so on to a recursive call's name). After the warm-up this is JS that V8 has not
  // optimised (in the runs taken apart: miniflare's, D1's client, and in the floors their own
  // handlers and the Rust floor's wasm-bindgen glue), and how much of it there is differs from
  // one workerd process to the next: in one A/B (2026-12-02) one build's process ran ~176k more
  // instructions a request in it than the other's, on both paths and in every round.
  if (/^Builtins_(InterpreterEntryTrampoline|[A-Za-z]+Handler)('\d+)?$/.test(name)) return "V8 interpreter";
  if (/^(sqlite3|yy|json|btree|vdbe|pager|pcache)/i.test(name)) return "SQLite";
  if (/^(bn_|sha256_|EVP_|RSA_)/.test(name)) return "BoringSSL";
  return "runtime";
}
const PLACES = ["JIT code", "V8 compiling", "V8 interpreter", "SQLite", "BoringSSL", "runtime"];

/** The dump callgrind wrote for `label`, once it is whole: `callgrind_control` returns when the
 * command is sent, and twice a run stopped here finding none (the cause unknown; what vgdb said
 * goes into the error). */
async function dumpNamed(pid, label, dumped) {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const name of readdirSync(DIRECTORY).filter((name) => name.startsWith(`callgrind.${pid}.`))) {
      const text = readFileSync(join(DIRECTORY, name), "utf8");
      // A dump ends with its totals once it is whole.
      if (text.includes(`dump ${label}`) && /\ntotals: [\d ]+\n?$/.test(text)) return name;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`no callgrind dump for ${label} (callgrind_control said: ${dumped.trim() || "nothing"})`);
}

/** Counts `requests` sent one at a time to `target` (its process `pid`): instructions per request, by
 * place. */
async function countLoad(target, pid, requests, label) {
  // What vgdb says (on stderr) is kept for the error below, not printed with the report.
  const control = (option) => {
    const { stdout, stderr } = spawnSync("callgrind_control", [option, String(pid)], { encoding: "utf8" });
    return `${stdout}${stderr}`;
  };
  control("--instr=on");
  control("--zero");
  await load(target.base, requests, 1);
  const dumped = control(`--dump=${label}`);
  control("--instr=off");
  const dump = await dumpNamed(pid, label, dumped);
  const counts = countsByPlace(join(DIRECTORY, dump));
  // A statement D1 keeps prepared that SQLite parses and plans again when it runs: one whose plan
  // read a parameter's bound value (src/store/sql_fragments.rs says which, and what it cost).
  const replanned = callsInto(join(DIRECTORY, dump), "sqlite3Reprepare");
  const sqliteWhole = inSqliteWhole(join(DIRECTORY, dump));
  if (process.env.INSTRUCTIONS_KEEP_DUMPS !== "1") rmSync(join(DIRECTORY, dump));
  const perRequest = Object.fromEntries(Object.entries(counts).map(([place, count]) => [place, count / requests.length]));
  perRequest.total = Object.values(perRequest).reduce((sum, count) => sum + count, 0);
  perRequest.replanned = replanned / requests.length;
  perRequest.sqliteWhole = sqliteWhole / requests.length;
  return perRequest;
}

const thousands = (count) => `${Math.round(count / 1000).toLocaleString("en")}k`;
const ratio = (a, b) => {
  const { median, low, high } = medianInterval(a.map((x, i) => x / b[i]));
  return `${median.toFixed(3)}× (${low.toFixed(3)}–${high.toFixed(3)})`;
};
const medianOf = (xs) => medianInterval(xs).median;

/**
 * `against`: a release build's directory to count beside this one (two builds of the worker, the
 * same loads; no peer, no floors), for the A/B of a change. A build from before a migration needs
 * its own schema: copy its `migrations/` into the directory. Without it, the worker beside the peer
 * and both floors. `INSTRUCTIONS_KEEP_DUMPS=1` keeps callgrind's dumps in target/bench-instructions
 * (`callgrind_annotate` reads them; the JIT code has no names there unless V8 writes its map).
 */
export async function benchInstructions({ report, rounds, against }) {
  if (!hasCallgrind()) {
    report("13. instructions per request", "not measured: valgrind is not installed", COMMAND);
    return;
  }
  rmSync(DIRECTORY, { recursive: true, force: true });
  mkdirSync(DIRECTORY, { recursive: true });
  // The binary wrangler would start (the `workerd` package names its platform's).
  const workerd = createRequire(import.meta.url)("workerd").default;
  const before = process.env.MINIFLARE_WORKERD_PATH;
  process.env.MINIFLARE_WORKERD_PATH = writeWrapper(workerd);
  const standIn = await startStandIn();
  const targets = {};
  // The two sides of each path (peerPaths calls them `worker` and `peer`) as the report names them.
  const sides = against ? { worker: "this build", peer: "baseline" } : { worker: "worker", peer: "peer" };
  try {
    targets.worker = await startWorker(standIn, PEER_LIKE_WORKER_VARS);
    if (against) {
      targets.peer = await startBaseline(standIn, against);
    } else {
      targets.peer = await startPeer(standIn);
      targets.floor = await startFloor();
      targets.rustFloor = await startRustFloor();
    }
    const pids = Object.fromEntries(Object.entries(targets).map(([name, target]) => [name, countedProcess(target.pid)]));
    const paths = await peerPaths(standIn, targets, "instructions", PER_LOAD);
    const floorRequests = async () => () => Array.from({ length: PER_LOAD }, () => ({ method: "GET", path: "/" }));
    // Each load: [figure's name, side, async (round) => (side) => requests].
    const loads = [];
    // The read paths; with `PEER_PATHS`, the paths it names (a sign-in too, for an A/B: a first
    // sign-in's load settles on its own first requests, which then count as returning sign-ins,
    // 20 of its 200 on both sides alike).
    const measured = process.env.PEER_PATHS ? Object.keys(paths) : ["replay", "GET /v1/orgs/{id}"];
    for (const name of measured) for (const side of ["worker", "peer"]) loads.push([name, side, paths[name]]);
    if (!against) loads.push(["floor", "rustFloor", floorRequests], ["floor", "floor", floorRequests]);
    const counts = loads.map(() => []);
    for (let round = -1; round < rounds; round++) {
      for (const index of inRoundOrder(loads.map((_, index) => index), Math.max(round, 0))) {
        const [name, side, prepare] = loads[index];
        const requests = (await prepare(round))(side);
        const warm = round < 0 ? Array.from({ length: WARM_UP }, (_, i) => requests[i % requests.length]) : requests.slice(0, SETTLE);
        await load(targets[side].base, warm, 1);
        if (round < 0) continue;
        counts[index].push(await countLoad(targets[side], pids[side], requests, `r${round}-${index}-end`));
      }
    }
    const countsOf = (name, side) => counts[loads.findIndex(([n, s]) => n === name && s === side)];
    const line = (perRound) =>
      `${thousands(medianOf(perRound.map((c) => c.total)))} instructions per request (` +
      PLACES.map((place) => `${place} ${thousands(medianOf(perRound.map((c) => c[place] ?? 0)))}`).join(", ") +
      `); D1's SQLite with all it calls ${thousands(medianOf(perRound.map((c) => c.sqliteWhole)))}, ` +
      `its statements planned again ${medianOf(perRound.map((c) => c.replanned)).toFixed(2)} a request`;
    const pairs = measured.map((name) => [name, "worker", "peer"]);
    if (!against) pairs.push(["floor", "rustFloor", "floor"]);
    const named = (side) => sides[side] ?? side;
    for (const [name, a, b] of pairs) {
      const [ca, cb] = [countsOf(name, a), countsOf(name, b)];
      report(`13. ${name}, instructions: ${named(a)}`, line(ca), COMMAND);
      report(`13. ${name}, instructions: ${named(b)}`, line(cb), COMMAND);
      const compiled = (c) => c.total - (c["V8 compiling"] ?? 0);
      const optimised = (c) => compiled(c) - (c["V8 interpreter"] ?? 0);
      // BoringSSL's big-number loops (the peer's RS256 verification) take the peer ~3–4 % of its CPU
      // (medians of eight runs of `--only peer-verification`) for 8.6–9.0 % of its instructions, so
      // a count with them in overstates the peer's time, and the ratio without them is the nearer
      // to the CPU's.
      const withoutBoringSsl = (c) => optimised(c) - (c.BoringSSL ?? 0);
      report(
        `13. ${name}, instructions: ${named(b)} ÷ ${named(a)}`,
        `${ratio(cb.map((c) => c.total), ca.map((c) => c.total))}; without V8's compiling ${ratio(cb.map(compiled), ca.map(compiled))}; ` +
          `without its interpreter too ${ratio(cb.map(optimised), ca.map(optimised))}; without BoringSSL too ${ratio(cb.map(withoutBoringSsl), ca.map(withoutBoringSsl))}`,
        COMMAND,
      );
      if (against) {
        // The A/B's own figure: what the change saved a request, round by round.
        const saved = cb.map((c, i) => c.total - ca[i].total);
        report(`13. ${name}, instructions: ${named(b)} − ${named(a)}, per round`, saved.map(thousands).join(", "), COMMAND);
      }
    }
    if (against) return;
    const rustFloor = countsOf("floor", "rustFloor");
    for (const name of measured) {
      const worker = countsOf(name, "worker");
      report(`13. ${name}, instructions: Rust floor ÷ worker`, ratio(rustFloor.map((c) => c.total), worker.map((c) => c.total)), COMMAND);
    }
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
    if (before === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = before;
  }
}
