import { describe, expect, it } from "vitest";
import { World } from "../sim/world.ts";
import type { WriteRecord } from "./durability.ts";
import { checkRelaxedLossBound, judgedHistory } from "./platform-loss.ts";

const write = (id: number): WriteRecord => ({ id, issue: id, rows: [], status: "acked", life: 0 });

describe("relaxed-mode loss bound", () => {
  it("excuses an unflushed write only when its instance was killed and never fenced", () => {
    const writes = [write(1), write(2), write(3)];
    const ledger = {
      relaxed: new Map([
        [1, { instance: "killed", flushed: false }],
        [2, { instance: "killed", flushed: true }],
        [3, { instance: "graceful", flushed: false }],
      ]),
      fencedHolding: new Map<string, number>(),
    };
    const judged = judgedHistory(writes, ledger, new Set(["killed"]));
    expect(judged.map((w) => w.status)).toEqual(["unknown", "acked", "acked"]);
  });

  it("flags an instance fenced while holding unflushed acked writes, and then excuses none of them", () => {
    const world = new World({ seed: 1 });
    const ledger = {
      relaxed: new Map([[1, { instance: "old", flushed: false }]]),
      fencedHolding: new Map([["old", 1]]),
    };
    expect(checkRelaxedLossBound(world, ledger)).toBe(1);
    expect(world.violations[0]?.invariant).toBe("relaxed-loss-bound");
    expect(judgedHistory([write(1)], ledger, new Set(["old"]))[0]?.status).toBe("acked");
  });
});
