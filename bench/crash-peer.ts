/**
 * Crash schedules per second, blobsim against a real-process kill harness (issue #20): the same
 * number of kill schedules through the peer (bench/crash-peer/peer.ts: child processes,
 * SIGKILL, loopback fake GCS, real time) and through wal.e2b-kill-points in this thread, with
 * the same checks on both sides. Either side failing a check is an error, not a figure.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { runSeed } from "../harness/run-seed.ts";
import { CrashPeer, CrashPeerError } from "./crash-peer/peer.ts";
import type { BenchFigures } from "./figures.ts";
import { cpuSecondsSince } from "./scenarios.ts";

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU seconds of this process's exited, waited-for children (cutime + cstime of /proc/self/stat),
 * or null off Linux: the peer's own work is in its children, which process.cpuUsage() omits.
 */
function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ", field 3 (state) is index 0: cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Twice the commit points: each point killed twice, a few seconds of child processes each. */
export const CRASH_PEER_SCHEDULES_DEFAULT = 10;

export async function crashPeerBench(schedules = CRASH_PEER_SCHEDULES_DEFAULT): Promise<BenchFigures> {
  const peer = await CrashPeer.start();
  let processes = 0;
  const peerStarted = performance.now();
  const peerCpuStarted = process.cpuUsage();
  const childCpuStarted = childCpuSeconds();
  try {
    for (let index = 0; index < schedules; index++) {
      const result = await peer.runSchedule(index);
      processes += result.processes;
      if (result.problems.length > 0)
        throw new CrashPeerError(
          `peer schedule ${index} (${result.point} visit ${result.visit}): ${result.problems.join("; ")}`,
        );
    }
  } finally {
    await peer.close();
  }
  const peerS = (performance.now() - peerStarted) / 1000;
  const childCpuEnded = childCpuSeconds();
  const peerCpuS =
    childCpuStarted === null || childCpuEnded === null
      ? null
      : cpuSecondsSince(peerCpuStarted) + childCpuEnded - childCpuStarted;
  // One unmeasured seed first: module loading and the JIT's warm-up are the sim's one-time
  // start-up, as bundling the child is the peer's.
  await runSeed("wal.e2b-kill-points", schedules);
  const simStarted = performance.now();
  const simCpuStarted = process.cpuUsage();
  for (let seed = 0; seed < schedules; seed++) {
    const { result } = await runSeed("wal.e2b-kill-points", seed);
    if (!result.ok)
      throw new CrashPeerError(`sim seed ${seed}: ${result.status} ${result.violation?.message}`);
  }
  const simS = (performance.now() - simStarted) / 1000;
  const simCpuS = cpuSecondsSince(simCpuStarted);
  const processPerS = schedules / peerS;
  const simPerS = schedules / simS;
  return {
    crash_schedules: schedules,
    crash_peer_processes: processes,
    crash_schedules_per_s_process: Number(processPerS.toFixed(3)),
    crash_schedules_per_s_sim: Number(simPerS.toFixed(1)),
    crash_sim_vs_process: Math.round(simPerS / processPerS),
    // CPU time on both sides (parent + children for the peer): what load disturbs least; the
    // peer's real-time waits (commit intervals) are not in it, so it flatters the peer.
    ...(peerCpuS === null
      ? {}
      : {
          crash_schedules_per_cpu_s_process: Number((schedules / peerCpuS).toFixed(3)),
          crash_schedules_per_cpu_s_sim: Number((schedules / simCpuS).toFixed(1)),
          crash_sim_vs_process_cpu: Math.round(peerCpuS / simCpuS),
        }),
  };
}
