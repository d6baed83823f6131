// `npm run bench -- --only peer-verification`: what the peer's token verification costs it in CPU.
// The peer beside a copy of itself that decodes the token instead of verifying it
// (bench-peer.mjs's startUnverifiedPeer), the replay's and the org read's loads sent together by
// `pairs`'s own rounds (bench-pairs.mjs's measurePairs). A benchmark, not a test.
//
// Why: callgrind counts the peer's RS256 verification (BoringSSL) as ~290k of a read's ~3.4M
// instructions, ~8.6 %, and the worker skips it (its verified-token cache). But BoringSSL's
// big-number loops retire more instructions a cycle than the runtime's branchy C++ around them, so
// an instruction count level with the peer's is not a CPU time level with it. This bench gives the
// verification's share of the peer's CPU, which is what the cache can win back at most.
import { BENCH_TOKEN_TTL_SECONDS, bearer, cpuPerRequest, figures, pairedRatio } from "./bench-load.mjs";
import { PER_LOAD, measurePairs } from "./bench-pairs.mjs";
import { startPeer, startUnverifiedPeer } from "./bench-peer.mjs";
import { startStandIn } from "../tests/e2e/stack.mjs";

export async function benchPeerVerification({ report, rounds }) {
  const standIn = await startStandIn();
  const targets = {};
  const command = "npm run bench -- --only peer-verification";
  try {
    targets.verifying = await startPeer(standIn);
    targets.decoding = await startUnverifiedPeer(standIn);
    const token = (await standIn.token({ email: "verification@bench.example", ttl_seconds: BENCH_TOKEN_TTL_SECONDS })).access_token;
    // One sign-in on each side: its answer is the replay's, its workspace the org read's.
    const workspaces = {};
    for (const [side, target] of Object.entries(targets)) {
      const answer = await fetch(`${target.base}/v1/auth/web/callback`, { method: "POST", headers: bearer(token) });
      workspaces[side] = (await answer.json()).workspace.id;
    }
    const paths = {
      replay: () => ({ method: "POST", path: "/v1/auth/web/callback", headers: bearer(token) }),
      "GET /v1/orgs/{id}": (side) => ({ method: "GET", path: `/v1/orgs/${workspaces[side]}`, headers: bearer(token) }),
    };
    const pairs = Object.entries(paths).map(([name, request]) => ({
      name,
      prepare: async () => ["verifying", "decoding"].map((side) => [targets[side], Array.from({ length: PER_LOAD }, () => request(side))]),
    }));
    const results = await measurePairs(pairs, rounds);
    pairs.forEach(({ name }, index) => {
      const [verifying, decoding] = results[index];
      const saved = cpuPerRequest(verifying) - cpuPerRequest(decoding);
      report(`14. ${name}: the peer`, figures(verifying), command);
      report(`14. ${name}: the peer decoding its token unverified`, figures(decoding), command);
      report(
        `14. ${name}: the peer's verification`,
        `${saved.toFixed(0)} µs of its ${cpuPerRequest(verifying).toFixed(0)} µs a request (${((saved / cpuPerRequest(verifying)) * 100).toFixed(1)} %); ` +
          `unverified ÷ verifying ${pairedRatio(decoding.cpuRounds, verifying.cpuRounds)} in workerd CPU per request`,
        command,
      );
    });
  } finally {
    for (const target of Object.values(targets)) target.stop();
    standIn.stop();
  }
}
