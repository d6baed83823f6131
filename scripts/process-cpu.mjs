// CPU time spent by the workerd processes under a `wrangler dev`, read from /proc: the cost of
// requests in the runtime itself, which a busy machine does not blur as it blurs throughput
// (a process's CPU time does not grow while it waits for a core).
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** pid → { ppid, name, userTicks, systemTicks } for every process. */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The name is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      table.set(Number(entry), { ppid: Number(fields[1]), name, userTicks: Number(fields[11]), systemTicks: Number(fields[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/** The processes descended from `rootPid`, as [pid, { ppid, name, userTicks, systemTicks }]. */
export function descendants(rootPid) {
  const table = processTable();
  const below = [];
  for (const [pid, process] of table) {
    for (let ancestor = process.ppid; ancestor > 1; ancestor = table.get(ancestor)?.ppid ?? 0) {
      if (ancestor === rootPid) {
        below.push([pid, process]);
        break;
      }
    }
  }
  return below;
}

/**
 * Milliseconds of CPU used so far by the workerd processes descended from `rootPid`, in user space
 * and in the kernel. Kept apart because the instruction bench (callgrind) counts user space only:
 * what a side costs in system calls, page faults and the like shows in the kernel's share alone.
 */
export function workerdCpuMs(rootPid) {
  let user = 0;
  let system = 0;
  for (const [, process] of descendants(rootPid)) {
    if (!process.name.startsWith("workerd")) continue;
    user += process.userTicks;
    system += process.systemTicks;
  }
  const ms = (ticks) => (ticks * 1000) / TICKS_PER_SECOND;
  return { user: ms(user), system: ms(system), total: ms(user + system) };
}
