// `npm run bench -- --only pairs`: the worker and the peer loaded together. Each pair of loads
// (a path on the worker and the same path on the peer; the two floors; each side's read paths
// and its floor) is sent at the same time, c = 8 on each side (bench-load.mjs's
// measureTogether says why). The sequential bench keeps the
// latencies at c = 1 and 16 that this one cannot give (each side here waits on the other's load);
// this one gives the ratios, to within a few per cent. With `--against DIR` it is the CPU A/B of
// a change: this build beside another release build of the worker, path by path, no peer and no
// floors. A benchmark, not a test.
import { PEER_LIKE_WORKER_VARS, cpuPerRequest, figures, inRoundOrder, kernelPerRequest, measureTogether, newEntry, pairedRatio } from "./bench-load.mjs";
import { peerPaths, startBaseline, startSideBySide } from "./bench-peer.mjs";
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";

/** Requests per load and side: enough for /proc's 10 ms ticks to count a load's CPU within 1 %. */
export const PER_LOAD = 400;

/** The floors' answer: one D1 primary-key read. */
const floorRequests = () => Array.from({ length: PER_LOAD }, () => ({ method: "GET", path: "/" }));

/**
 * Each pair's two loads sent together (`prepare(round)` gives them as [target, requests] per side),
 * every pair once a round in an order turned every round, and each pair's two entries back. The
 * rounds before 0 warm both sides up (V8's tiers, SQLite's pages) and are not counted: one by
 * default, `PAIRS_WARM_UP_ROUNDS` for more.
 */
export async function measurePairs(pairs, rounds) {
  const results = pairs.map(() => [newEntry(), newEntry()]);
  const warmUpRounds = Number(process.env.PAIRS_WARM_UP_ROUNDS ?? 1);
  for (let round = -warmUpRounds; round < rounds; round++) {
    for (const index of inRoundOrder(pairs.map((_, index) => index), Math.max(round, 0))) {
      const loads = await pairs[index].prepare(round);
      const entries = round < 0 ? [newEntry(), newEntry()] : results[index];
      await measureTogether(loads.map((load, side) => [...load, entries[side]]), round);
    }
  }
  return results;
}

/**
 * The floors' pair, and each read path of `paths` beside its side's floor: the worker's beside the
 * Rust floor, the peer's beside the JS floor. Both are measured so that every process is in as
 * many loads a round as its counterpart (worker and peer six, the floors three): a process loaded
 * in more of a round's loads costs less CPU per request (two identical JS floors, one of them in
 * every pair of a round and the other in one, came out 0.96–0.97× apart; docs/performance.md).
 */
function addFloorPairs(pairs, paths, targets) {
  pairs.push({ name: "floors", sides: ["Rust floor", "JS floor"], prepare: async () => [[targets.rustFloor, floorRequests()], [targets.floor, floorRequests()]] });
  for (const name of ["replay", "GET /v1/orgs/{id}"].filter((name) => paths[name])) {
    for (const [side, floor, floorName] of [["worker", "rustFloor", "Rust floor"], ["peer", "floor", "JS floor"]]) {
      pairs.push({
        name: `${name} beside the ${floorName}`,
        sides: [side, floorName],
        prepare: async (round) => [[targets[side], (await paths[name](round))(side)], [targets[floor], floorRequests()]],
      });
    }
  }
}

/**
 * `against`: a release build's directory to measure beside this one instead of the peer and the
 * floors (the A/B of a change; `startBaseline` says how to make one). Its figures are named "this
 * build" and "baseline".
 */
export async function benchPairs({ report, rounds, against }) {
  const standIn = await startStandIn();
  const targets = {};
  const command = against ? `npm run bench -- --only pairs --against ${against}` : "npm run bench -- --only pairs";
  // peerPaths loads the sides it calls `worker` and `peer`: the baseline is the latter.
  const sideNames = against ? ["this build", "baseline"] : ["worker", "peer"];
  try {
    if (against) {
      targets.worker = await startWorker(standIn, PEER_LIKE_WORKER_VARS);
      targets.peer = await startBaseline(standIn, against);
    } else {
      await startSideBySide(standIn, targets);
    }
    const paths = await peerPaths(standIn, targets, "pairs", PER_LOAD);
    // Each pair: its name, its sides' names, and its round's loads as [target, requests] per side.
    const pairs = Object.entries(paths).map(([name, prepare]) => ({
      name,
      sides: sideNames,
      prepare: async (round) => {
        const requestsFor = await prepare(round);
        return [[targets.worker, requestsFor("worker")], [targets.peer, requestsFor("peer")]];
      },
    }));
    if (!against) addFloorPairs(pairs, paths, targets);
    const results = await measurePairs(pairs, rounds);
    pairs.forEach(({ name, sides: [aName, bName] }, index) => {
      const [a, b] = results[index];
      report(`12. ${name}, together: ${aName}`, figures(a), command);
      report(`12. ${name}, together: ${bName}`, figures(b), command);
      report(
        `12. ${name}, together: ${aName} ÷ ${bName}`,
        `${pairedRatio(a.rates, b.rates)} throughput, ${pairedRatio(b.cpuRounds, a.cpuRounds)} in workerd CPU per request (${bName} ÷ ${aName}; ${cpuPerRequest(b).toFixed(0)} ÷ ${cpuPerRequest(a).toFixed(0)} µs), ` +
          `${pairedRatio(b.kernelRounds, a.kernelRounds)} in the kernel (${kernelPerRequest(b).toFixed(0)} ÷ ${kernelPerRequest(a).toFixed(0)} µs)`,
        command,
      );
    });
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
