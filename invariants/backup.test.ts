import { describe, expect, it } from "vitest";
import { BackupOracle } from "./backup.ts";
import { encodeRowValue, type WriteRecord } from "./durability.ts";

const row = (writeId: number, key: string) => ({ key, value: encodeRowValue(writeId, key, "v") });

function history(): WriteRecord[] {
  return [
    { id: 1, issue: 0, rows: [row(1, "a")], status: "acked", life: 0 },
    { id: 2, issue: 1, rows: [row(2, "b")], status: "acked", life: 0 },
  ];
}

describe("backup checkers", () => {
  it("judges a quiesced backup byte for byte", () => {
    const oracle = new BackupOracle(history());
    oracle.recordQuiesced(4, [row(1, "a"), row(2, "b")]);
    expect(oracle.judgeRestored("x", 4, [row(1, "a"), row(2, "b")])).toEqual([]);
    expect(oracle.judgeRestored("x", 4, [row(1, "a")])[0]?.invariant).toBe("backup-state-at-point");
  });

  it("judges a backup taken during writes against its attempt's window", () => {
    const writes = history();
    const oracle = new BackupOracle(writes);
    const attempt = oracle.startAttempt("archiver.0"); // writes 1 and 2 are acked already
    writes.push({ id: 3, issue: 2, rows: [row(3, "c")], status: "acked", life: 0 });
    oracle.finishAttempt(attempt, "b1");
    expect(oracle.judgeRestored("b1", 9, [row(1, "a"), row(2, "b")])).toEqual([]);
    expect(oracle.judgeRestored("b1", 9, [row(1, "a"), row(2, "b"), row(3, "c")])).toEqual([]);
    // Acked before the attempt began, missing from the backup: caught.
    expect(oracle.judgeRestored("b1", 9, [row(1, "a")])[0]?.message).toMatch(/acked-write-durability/);
  });

  it("flags a lost index entry and an empty restorable set", () => {
    const oracle = new BackupOracle(history());
    oracle.finishAttempt(oracle.startAttempt("a"), "b1");
    oracle.finishAttempt(oracle.startAttempt("b"), "b2");
    expect(oracle.judgeIndex(["b1", "b2"], [], new Set(["b2"]))).toEqual([]);
    expect(oracle.judgeIndex(["b2"], ["b1"], new Set(["b2"]))).toEqual([]); // retired, not lost
    const lost = oracle.judgeIndex(["b2"], [], new Set(["b2"]));
    expect(lost.map((p) => p.invariant)).toEqual(["backup-index-lost-entry"]);
    const empty = oracle.judgeIndex(["b1", "b2"], [], new Set());
    expect(empty.map((p) => p.invariant)).toEqual(["restorable-set-never-empty"]);
  });
});
