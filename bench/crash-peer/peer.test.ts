import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import { CrashPeer } from "./peer.ts";

describe("crash peer (real processes, SIGKILL, loopback fake GCS)", () => {
  let peer: CrashPeer;
  beforeAll(async () => {
    peer = await CrashPeer.start();
  }, 60_000);
  afterAll(() => peer?.close());

  it("kills a writer at the pinned point, and every reopen holds every acked write", async () => {
    const schedule = await peer.runSchedule(3); // commit.after-cas-before-ack: durable, not acked
    expect(schedule.point).toBe(COMMIT_KILL_POINTS[3]);
    // No problem means the pinned kill fired (else kill-point-unreached) and every check held.
    expect(schedule.problems).toEqual([]);
    expect(schedule.lives).toBeGreaterThanOrEqual(2);
    // A verifier per life, then the closing checks: the final life, two restores, a read-only life.
    expect(schedule.processes).toBe(2 * schedule.lives + 4);
  }, 120_000);
});
