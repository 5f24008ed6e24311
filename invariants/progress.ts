/**
 * Progress beside safety (issue 21): the durability checker accepts any failed write, so a writer
 * that gets stuck or fences itself on a clean store passes it. On a seed whose faults leave the
 * writer alive and the store reachable, these hold:
 *
 * - write-progress: every write sent to such a writer is acked, within `ackBoundMs` of being sent
 *   (a bound in commit intervals: strict mode acks at the next commit);
 * - failed-write share: the share of its writes that failed or got no answer is at most the
 *   seed's store fault rate (the chance a request fails) times `faultAllowance`, with a floor of
 *   zero on a fault-free store.
 */
import type { WriteRecord } from "./durability.ts";

export interface ProgressBound {
  /** The longest an ack may take after the write was sent. */
  ackBoundMs: number;
  /** The seed's per-request fault probability (0 on a clean store). */
  faultRate: number;
  /** How many failed writes one request fault may cost (a commit carries several writes). */
  faultAllowance: number;
}

export interface ProgressProblem {
  invariant: "write-progress";
  message: string;
  writeId: number | null;
}

/** Ack commit intervals plus the slack of one commit's store round trips (and a 429 back-off). */
export function ackBoundMs(commitIntervalMs: number): number {
  return 3 * commitIntervalMs + 5_000;
}

export function checkProgress(writes: readonly WriteRecord[], bound: ProgressBound): ProgressProblem[] {
  const problems: ProgressProblem[] = [];
  const judged = writes.filter((write) => write.issue >= 0);
  if (judged.length === 0) return problems;
  const unacked = judged.filter((write) => write.status !== "acked");
  const allowed = Math.floor(judged.length * Math.min(1, bound.faultRate * bound.faultAllowance));
  if (unacked.length > allowed)
    problems.push({
      invariant: "write-progress",
      message: `${unacked.length} of ${judged.length} writes were not acked (at most ${allowed} allowed at fault rate ${bound.faultRate}): first ${unacked[0]!.id} ${unacked[0]!.status}`,
      writeId: unacked[0]!.id,
    });
  for (const write of judged) {
    if (write.status !== "acked" || write.sentAtMs === undefined || write.settledAtMs === undefined) continue;
    const tookMs = write.settledAtMs - write.sentAtMs;
    if (tookMs > bound.ackBoundMs) {
      problems.push({
        invariant: "write-progress",
        message: `write ${write.id} took ${tookMs} ms to ack, bound ${bound.ackBoundMs} ms`,
        writeId: write.id,
      });
      break;
    }
  }
  return problems;
}
