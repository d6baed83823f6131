// The worker's wasm taken apart by function, from one counted load of the instruction bench:
//
//   KEEP_WASM_NAMES=1 BUILD_DIR=target/named node scripts/build.mjs
//   INSTRUCTIONS_KEEP_DUMPS=1 MINIFLARE_WORKERD_V8_FLAGS="--perf-basic-prof --no-wasm-inlining" \
//     npm run bench -- --only instructions --against target/named --rounds 1
//   node scripts/wasm-functions.mjs target/bench-instructions/callgrind.PID.N /tmp/perf-PID.map \
//     target/named/worker/index.wasm [--top 40] [--base 0x…]
//
// PID is the process of the build with names (the baseline's: its dumps are the odd loads,
// `r0-1` the replay and `r0-3` the org read, `desc: Trigger` in each dump says which).
//
// Why this way: V8's code map (`--perf-basic-prof`) names only the wasm functions it compiled in
// the baseline tier and a few optimised ones, so most of the wasm's optimised code stays unnamed.
// But callgrind names code without symbols after the address a call entered it by, and a wasm
// call enters its callee through V8's jump table: one 8-byte slot per function after the imports
// (x64), in function order, at the start of the module's code space. So each unnamed address in
// the table is one function of the wasm's name section, with the instructions it ran until it
// called another. Without wasm inlining every call goes through the table; the counts are then
// somewhat higher than the shipping build's, and the ranking is what to read.
//
// The table's start is not in the map: it is taken as the lowest unnamed address just below the
// module's first named code, rounded down to a page (`--base` gives it instead). Check the result:
// the allocator's `malloc` and `free` are among the top functions of any request.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exclusiveCounts } from "./bench-instructions.mjs";

const SLOT_BYTES = 8;
const PAGE = 0x1000n;
/** Requests per counted load (bench-instructions.mjs's PER_LOAD). */
const REQUESTS = 200;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string" }, base: { type: "string" } },
});
const [dumpPath, mapPath, wasmPath] = positionals;
if (!wasmPath) {
  console.error("usage: node scripts/wasm-functions.mjs DUMP PERF_MAP WASM_WITH_NAMES [--top N] [--base 0x…]");
  process.exit(2);
}

/** The wasm's function names (name section, subsection 1) and its count of imported functions. */
function wasmFunctions(path) {
  const bytes = readFileSync(path);
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const names = new Map();
  let importedFunctions = 0;
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      // Imports: a function import's kind is 0.
      for (let count = leb(); count > 0; count--) {
        // (`at += leb()` would read `at` before `leb()` moves it past the length.)
        const moduleLength = leb();
        at += moduleLength;
        const fieldLength = leb();
        at += fieldLength;
        const kind = bytes[at++];
        if (kind === 0) (leb(), importedFunctions++);
        else if (kind === 1) (at++, bytes[at++] & 1 ? (leb(), leb()) : leb());
        else if (kind === 2) (bytes[at++] & 1 ? (leb(), leb()) : leb());
        else if (kind === 3) at += 2;
        else if (kind === 4) (at++, leb());
      }
    } else if (id === 0) {
      const nameLength = leb();
      const section = bytes.subarray(at, at + nameLength).toString();
      at += nameLength;
      while (section === "name" && at < end) {
        const subsection = bytes[at++];
        const subsectionEnd = leb() + at;
        if (subsection === 1) {
          for (let count = leb(); count > 0; count--) {
            const index = leb();
            const length = leb();
            names.set(index, bytes.subarray(at, at + length).toString());
            at += length;
          }
        }
        at = subsectionEnd;
      }
    }
    at = end;
  }
  return { names, importedFunctions };
}

/** The code map's ranges, sorted by start: [start, end, name]. */
function codeMap(path) {
  const ranges = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [start, size, ...name] = line.split(" ");
    if (name.length === 0) continue;
    const from = BigInt(`0x${start}`);
    ranges.push([from, from + BigInt(`0x${size}`), name.join(" ")]);
  }
  return ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const { names, importedFunctions } = wasmFunctions(wasmPath);
if (names.size === 0) throw new Error(`${wasmPath} has no name section: build it with KEEP_WASM_NAMES=1`);
const ranges = codeMap(mapPath);
const mapped = (address) => ranges.some(([start, end]) => start <= address && address < end);
const unnamed = [];
let namedByMap = 0;
for (const [name, count] of exclusiveCounts(dumpPath)) {
  if (!/^0x/.test(name)) continue;
  const address = BigInt(name.split("'")[0]);
  if (mapped(address)) namedByMap += count;
  else unnamed.push([address, count]);
}
const firstWasm = ranges.find(([, , name]) => /-\d+-(liftoff|turbofan)$/.test(name))?.[0];
const tableBytes = BigInt((names.size + importedFunctions) * SLOT_BYTES);
const base = values.base
  ? BigInt(values.base)
  : (unnamed
      .map(([address]) => address)
      .filter((address) => firstWasm !== undefined && address < firstWasm && firstWasm - address < 4n * tableBytes)
      .reduce((low, address) => (low === undefined || address < low ? address : low), undefined) ?? 0n) &
    ~(PAGE - 1n);

const byFunction = new Map();
let elsewhere = 0;
for (const [address, count] of unnamed) {
  const offset = address - base;
  const index = Number(offset / BigInt(SLOT_BYTES)) + importedFunctions;
  if (offset >= 0n && offset % BigInt(SLOT_BYTES) === 0n && names.has(index)) {
    byFunction.set(names.get(index), (byFunction.get(names.get(index)) ?? 0) + count);
  } else elsewhere += count;
}
const k = (count) => `${(count / REQUESTS / 1000).toFixed(1)}k`;
const throughTable = [...byFunction.values()].reduce((a, b) => a + b, 0);
console.log(`jump table at 0x${base.toString(16)}; per request: through it ${k(throughTable)}, named by V8's map ${k(namedByMap)}, elsewhere ${k(elsewhere)}`);
for (const [name, count] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top ?? 40))) {
  console.log(`${k(count).padStart(8)}  ${name}`);
}
