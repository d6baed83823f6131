// `npm run bench -- --only cold`: the first request of a fresh isolate, the worker's beside the
// peer's. Each round starts both anew under `wrangler dev` (workerd compiles and instantiates
// the module as it starts; the first request then pays what is left: the first reads of config
// and bindings, the JWKS fetch, cold JIT) and sends one first sign-in, then five more to give
// the warm figure of the same path. Medians over the rounds.
import { startStandIn, startWorker } from "../tests/e2e/stack.mjs";
import { startPeer } from "./bench-peer.mjs";
import { bearer } from "./bench-load.mjs";
import { median } from "./statistics.mjs";

/** Milliseconds taken by one first sign-in with a new token. */
async function firstSignIn(base, standIn, email) {
  const token = (await standIn.token({ email })).access_token;
  const sent = process.hrtime.bigint();
  const response = await fetch(`${base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`${base}: ${response.status}`);
  return Number(process.hrtime.bigint() - sent) / 1e6;
}

export async function benchCold({ report, rounds }) {
  const standIn = await startStandIn();
  const command = "npm run bench -- --only cold";
  const results = { worker: { first: [], warm: [] }, peer: { first: [], warm: [] } };
  const start = {
    worker: () => startWorker(standIn, { WORKOS_API_KEY: "", JWKS_REFETCH_COOLDOWN_SECONDS: "30" }),
    peer: () => startPeer(standIn),
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 ? ["peer", "worker"] : ["worker", "peer"]) {
        const target = await start[side]();
        try {
          results[side].first.push(await firstSignIn(target.base, standIn, `cold-${side}-${round}@bench.example`));
          const warm = [];
          for (let i = 0; i < 5; i++) warm.push(await firstSignIn(target.base, standIn, `warm-${side}-${round}-${i}@bench.example`));
          results[side].warm.push(median(warm));
        } finally {
          target.stop();
        }
      }
    }
    for (const side of ["worker", "peer"]) {
      const { first, warm } = results[side];
      report(`9. fresh isolate, first request (a first sign-in): ${side}`, `${median(first).toFixed(1)} ms (warm: ${median(warm).toFixed(1)} ms)`, command);
    }
    const gap = median(results.worker.first) - median(results.peer.first);
    report("9. fresh isolate, first request: worker − peer", `${gap >= 0 ? "+" : ""}${gap.toFixed(1)} ms`, command);
  } finally {
    standIn.stop();
  }
}
