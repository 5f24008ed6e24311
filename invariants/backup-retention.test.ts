import { describe, expect, it } from "vitest";
import type { BackupEntry } from "../engine/backup/backup-index.ts";
import { retainedIds } from "../engine/backup/retention.ts";
import { policyKeeps, retentionDecisionProblems } from "./backup-retention.ts";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
// Sunday 2026-01-04 and Monday 2026-01-05, UTC.
const SUNDAY = Date.UTC(2026, 0, 4);
const entry = (seq: number, takenAtMs: number): BackupEntry => ({
  id: `b${seq}`,
  commitSeq: seq,
  fencingToken: 1,
  resumeLsn: 0,
  takenAtMs,
  manifest: { key: `m${seq}`, bytes: 1, sha256: "x" } as BackupEntry["manifest"],
  objects: [],
  totalBytes: 1,
});

describe("independent retention policy", () => {
  const backups = [
    entry(1, SUNDAY - 3 * DAY),
    entry(2, SUNDAY + DAY - 3 * MIN), // Sunday 23:57
    entry(3, SUNDAY + DAY + 3 * MIN), // Monday 00:03: the next ISO week
    entry(4, Date.UTC(2026, 0, 31, 23, 57)),
    entry(5, Date.UTC(2026, 1, 1, 0, 3)),
  ];
  const now = Date.UTC(2026, 1, 1, 1, 0);

  it("splits ISO weeks between Sunday and Monday and months at the first", () => {
    expect([...policyKeeps(backups, { gfs: { weekly: 3 } }, now)].sort()).toEqual(["b2", "b3", "b5"]); // Sat 31st and Sun 1st share an ISO week
    expect([...policyKeeps(backups, { gfs: { monthly: 2 } }, now)].sort()).toEqual(["b4", "b5"]);
    expect([...policyKeeps(backups, { keepLast: 2 }, now)].sort()).toEqual(["b4", "b5"]);
    expect([...policyKeeps(backups, { maxAgeDays: 1 }, now)].sort()).toEqual(["b4", "b5"]);
  });

  it("agrees with the engine's decision at the edges", () => {
    for (const policy of [{ keepLast: 3 }, { maxAgeDays: 2 }, { gfs: { daily: 2, weekly: 2, monthly: 2 } }])
      expect([...retainedIds(backups, policy, now)].sort()).toEqual(
        [...policyKeeps(backups, policy, now)].sort(),
      );
  });

  it("names over- and under-deletion, sparing the newest restorable", () => {
    const result = {
      kept: ["b5"],
      retired: ["b1", "b2", "b3", "b4"],
      deletedObjects: 0,
      keptAsLastRestorable: null,
      judgedAtMs: now,
    };
    expect(retentionDecisionProblems(backups, { keepLast: 2 }, result)).toEqual([
      "retired b4, which the policy keeps",
    ]);
    const kept = { ...result, kept: ["b3", "b4", "b5"], retired: ["b1", "b2"], keptAsLastRestorable: "b3" };
    expect(retentionDecisionProblems(backups, { keepLast: 2 }, kept)).toEqual([]);
  });
});
