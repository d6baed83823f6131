// `npm run bench -- --only steps`: the worker's own part of a request, step by step, inside
// workerd. Each step is repeated n times inside one request of a benchmark build and timed from
// outside (the same request with n and n + N repetitions), round by round, interleaved:
// - the core's work on a route with D1's answers replayed from memory (`/v1/__bench/route`):
//   routing, the token (a cached verification), the caller's lookup and its rows, the answer;
// - the shell's steps (`/v1/__bench/shell/{step}`): reading the request, the platform, the
//   statement prepared and D1's answer decoded, one await of a binding's promise, the response
//   made, the request's task started.
// What no step holds (the runtime's request and response handling, D1 itself) is the rest of a
// request's cost; the peer bench measures whole requests.
import { median } from "./statistics.mjs";
import { startStack } from "../tests/e2e/stack.mjs";

/** Headers like a browser's call through Cloudflare (the request's headers are read whole). */
const BROWSER_HEADERS = {
  accept: "application/json",
  "accept-language": "en-GB,en;q=0.9",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
  origin: "http://localhost:3000",
  referer: "http://localhost:3000/",
  "sec-fetch-mode": "cors",
  "cf-connecting-ip": "203.0.113.7",
};

export async function benchSteps({ report, rounds, script }) {
  const stack = await startStack({ WORKOS_API_KEY: "" }, { script });
  const command = "npm run bench -- --only steps";
  try {
    const { worker, standIn } = stack;
    const token = (await standIn.token({ email: "steps@bench.example", ttl_seconds: 3600 })).access_token;
    const first = await worker.request("POST", "/v1/auth/web/callback", { bearer: token });
    if (first.status !== 201) throw new Error(`the first sign-in answered ${first.status}: ${first.text}`);
    const org = first.json.workspace.id;
    // [label, path, repetitions added, the route's own status (core steps)]
    const steps = [
      ["core: GET /v1/orgs/{id} (bearer, D1 answered from memory)", `/v1/__bench/route?path=/v1/orgs/${org}`, 2000, 200],
      ["core: replay of a first sign-in (unsealing its answer)", "/v1/__bench/route?method=POST&path=/v1/auth/web/callback", 2000, 201],
      ["core: an unknown route's 404", "/v1/__bench/route?path=/v1/nothing", 5000, 404],
      ["shell: the request's headers, read whole", "/v1/__bench/shell/headers?", 5000],
      ["shell: its URL and method", "/v1/__bench/shell/url?", 5000],
      ["shell: the platform (bindings, adapters)", "/v1/__bench/shell/platform?", 5000],
      ["shell: the org read's statement, prepared and bound", "/v1/__bench/shell/prepare?", 5000],
      ["shell: D1's answer to it, decoded", "/v1/__bench/shell/decode?", 5000],
      ["shell: one await of a binding's promise", "/v1/__bench/shell/await?", 5000],
      ["shell: a workspace's answer made into the response", "/v1/__bench/shell/response?", 5000],
      ["shell: the request's task started, with waitUntil", "/v1/__bench/shell/task?", 5000],
    ];
    const timed = async (path, n, status) => {
      const started = process.hrtime.bigint();
      const answer = await worker.request("POST", `${path}&n=${n}`, { bearer: token, headers: BROWSER_HEADERS });
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
      if (status !== undefined && answer.json.status !== status) throw new Error(`${path}: the route answered ${answer.json.status}`);
      return micros;
    };
    const once = async ([, path, extra, status]) =>
      ((await timed(path, 10 + extra, status)) - (await timed(path, 10, status))) / extra;
    for (const step of steps) for (let i = 0; i < 3; i++) await once(step); // JIT warm-up
    const perRound = steps.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, step] of steps.entries()) perRound[i].push(await once(step));
    }
    let shellTotal = 0;
    for (const [i, [label]] of steps.entries()) {
      const micros = median(perRound[i]);
      if (label.startsWith("shell")) shellTotal += micros;
      report(`10. ${label}`, `${micros.toFixed(1)} µs`, command);
    }
    report("10. shell: the steps above, added", `${shellTotal.toFixed(1)} µs`, command);
  } finally {
    stack.stop();
  }
}
