import { describe, expect, it } from "vitest";
import type { Row } from "../engine/db/database.ts";
import {
  checkRestoredRows,
  decodeRowValue,
  encodeRowValue,
  firstDifference,
  type WriteRecord,
} from "./durability.ts";

function write(
  id: number,
  issue: number,
  status: WriteRecord["status"],
  keys: Array<string | [string, null]>,
): WriteRecord {
  const rows: Row[] = keys.map((key) =>
    typeof key === "string" ? { key, value: encodeRowValue(id, key, "x") } : { key: key[0], value: null },
  );
  return { id, issue, rows, status, life: 0 };
}

const shown = (writes: WriteRecord[], picks: Array<[number, string]>): Row[] =>
  picks
    .map(([id, key]) => writes.find((w) => w.id === id)!.rows.find((r) => r.key === key)!)
    .sort((a, b) => (a.key < b.key ? -1 : 1));

describe("durability invariants", () => {
  const history = [
    write(1, 0, "acked", ["a", "b"]),
    write(2, 1, "unknown", ["a", "c"]),
    write(3, 2, "acked", [["b", null]]),
  ];

  it("accepts pre- and post-commit states of unacked writes", () => {
    expect(checkRestoredRows(history, shown(history, [[1, "a"]]))).toEqual([]);
    expect(
      checkRestoredRows(
        history,
        shown(history, [
          [2, "a"],
          [2, "c"],
        ]),
      ),
    ).toEqual([]);
  });

  it("catches a lost acked write", () => {
    const problems = checkRestoredRows(history, shown(history, [[1, "b"]]));
    expect(problems.map((p) => p.invariant)).toContain("acked-write-durability");
    expect(checkRestoredRows(history, []).map((p) => p.invariant)).toContain("acked-write-durability");
  });

  it("catches a torn write and a row nobody wrote", () => {
    const torn = checkRestoredRows(history, shown(history, [[2, "a"]]));
    expect(torn.map((p) => p.invariant)).toEqual(["torn-commit"]);
    const phantom = checkRestoredRows(history, [{ key: "a", value: encodeRowValue(9, "a", "x") }]);
    expect(phantom.map((p) => p.invariant)).toContain("phantom-write");
  });

  it("checks each row's md5 and compares states byte for byte", () => {
    const value = encodeRowValue(1, "a", "x");
    expect(decodeRowValue(value)).toEqual({ writeId: 1, key: "a" });
    const flipped = value.slice();
    flipped[flipped.length - 1] = 0x79;
    expect(decodeRowValue(flipped)).toBeNull();
    expect(firstDifference([{ key: "a", value }], [{ key: "a", value: flipped }])).toMatch(/differ/);
    expect(firstDifference([{ key: "a", value }], [{ key: "a", value }])).toBeNull();
  });
});
