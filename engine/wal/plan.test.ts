import { describe, expect, it } from "vitest";
import { continuityViolated, type PlanInput, planCommit } from "./plan.ts";

const base: PlanInput = {
  walEndLsn: 1_000,
  resumeLsn: 1_000,
  lifeBaseLsn: 500,
  firstCommitOfLife: false,
  tailBytes: 0,
  compactAtBytes: 16 * 1024 * 1024,
  snapshotDemanded: false,
  hasSnapshot: true,
};

describe("planCommit", () => {
  it("commits nothing for a zero delta (B10)", () => {
    expect(planCommit(base)).toEqual({ kind: "nothing", reason: "zero-delta" });
  });

  it("ships the LSN range since the resume point", () => {
    expect(planCommit({ ...base, walEndLsn: 1_500 })).toEqual({
      kind: "segment",
      startLsn: 1_000,
      endLsn: 1_500,
    });
  });

  it("never chains the first commit of a life onto the inherited resume point (B13)", () => {
    const first = {
      ...base,
      firstCommitOfLife: true,
      lifeBaseLsn: 1_010,
      resumeLsn: 1_024,
      walEndLsn: 1_200,
    };
    expect(planCommit(first)).toEqual({ kind: "snapshot", reason: "first-of-life" });
    expect(planCommit({ ...first, walEndLsn: 1_010 })).toEqual({ kind: "nothing", reason: "read-only-life" });
  });

  it("snapshots, never swallows, when the cluster is behind the resume point (B11)", () => {
    const behind = { ...base, walEndLsn: 900 };
    expect(continuityViolated(behind)).toBe(true);
    expect(planCommit(behind)).toEqual({ kind: "snapshot", reason: "continuity" });
  });

  it("compacts when the tail would pass the threshold (E2C-2)", () => {
    expect(planCommit({ ...base, walEndLsn: 2_000, tailBytes: 9_500, compactAtBytes: 10_000 })).toEqual({
      kind: "snapshot",
      reason: "threshold",
    });
  });

  it("honours a demanded snapshot once WAL grew", () => {
    expect(planCommit({ ...base, walEndLsn: 1_001, snapshotDemanded: true })).toEqual({
      kind: "snapshot",
      reason: "demanded",
    });
  });
});
