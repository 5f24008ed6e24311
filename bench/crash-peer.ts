/**
 * Crash schedules per second, blobsim against a real-process kill harness (issue #20): the same
 * number of kill schedules through the peer (bench/crash-peer/peer.ts: child processes,
 * SIGKILL, loopback fake GCS, real time) and through wal.e2b-kill-points in this thread, with
 * the same checks on both sides. Either side failing a check is an error, not a figure.
 */
import { performance } from "node:perf_hooks";
import { runSeed } from "../harness/run-seed.ts";
import { CrashPeer, CrashPeerError } from "./crash-peer/peer.ts";
import type { BenchFigures } from "./figures.ts";

/** Twice the commit points: each point killed twice, a few seconds of child processes each. */
export const CRASH_PEER_SCHEDULES_DEFAULT = 10;

export async function crashPeerBench(schedules = CRASH_PEER_SCHEDULES_DEFAULT): Promise<BenchFigures> {
  const peer = await CrashPeer.start();
  let processes = 0;
  const peerStarted = performance.now();
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
  // One unmeasured seed first: module loading and the JIT's warm-up are the sim's one-time
  // start-up, as bundling the child is the peer's.
  await runSeed("wal.e2b-kill-points", schedules);
  const simStarted = performance.now();
  for (let seed = 0; seed < schedules; seed++) {
    const { result } = await runSeed("wal.e2b-kill-points", seed);
    if (!result.ok)
      throw new CrashPeerError(`sim seed ${seed}: ${result.status} ${result.violation?.message}`);
  }
  const simS = (performance.now() - simStarted) / 1000;
  const processPerS = schedules / peerS;
  const simPerS = schedules / simS;
  return {
    crash_schedules: schedules,
    crash_peer_processes: processes,
    crash_schedules_per_s_process: Number(processPerS.toFixed(3)),
    crash_schedules_per_s_sim: Number(simPerS.toFixed(1)),
    crash_sim_vs_process: Math.round(simPerS / processPerS),
  };
}
