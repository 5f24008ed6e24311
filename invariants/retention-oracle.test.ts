import { describe, expect, it } from "vitest";
import { encodeOpId, opIdAtTime } from "../engine/retention/op-id.ts";
import { World } from "../sim/world.ts";
import { RetentionOracle } from "./retention-oracle.ts";

function setup() {
  const world = new World({ seed: 1 });
  const oracle = new RetentionOracle(world, {
    window: { dataEpochMs: world.epochMs - 86_400_000, maxFutureSkewMs: 30_000 },
    maxClockOffsetMs: 0,
  });
  oracle.addPeer("a");
  const ids = Array.from({ length: 10 }, (_, i) => encodeOpId(world.epochMs - 60_000 + i * 1_000, 1n));
  for (const id of ids) oracle.onAppend(id);
  const invariants = () => world.violations.map((violation) => violation.invariant);
  return { world, oracle, ids, invariants };
}

describe("RetentionOracle: each checker catches what it exists for", () => {
  it("retention-floor: deleting an op an active peer has not passed", () => {
    const { oracle, ids, invariants } = setup();
    oracle.onApply("a", ids[0]!);
    oracle.onPeerPersist("a", { lastId: ids[0]! });
    oracle.onTickActive(["a"]);
    oracle.onDelete([ids[0]!]);
    expect(invariants()).toEqual([]);
    oracle.onDelete([ids[1]!]);
    expect(invariants()).toEqual(["retention-floor"]);
  });

  it("retention-floor: an inactive peer may be pruned past", () => {
    const { oracle, ids, invariants } = setup();
    oracle.onTickActive([]);
    oracle.onDelete(ids.slice(0, 5));
    expect(invariants()).toEqual([]);
  });

  it("retention-cursor-plausible: far-future, epoch and unparseable values", () => {
    const { world, oracle, invariants } = setup();
    oracle.onCursorPut("primary", "a", { lastId: opIdAtTime(world.epochMs) }, true);
    expect(invariants()).toEqual([]);
    oracle.onCursorPut("primary", "a", { lastId: opIdAtTime(world.epochMs + 86_400_000) }, true);
    oracle.onCursorPut("a", "primary", { lastId: encodeOpId(0, 0n) }, true);
    oracle.onCursorPut("primary", "a", { lastId: "bafy" }, true);
    expect(invariants()).toEqual(Array(3).fill("retention-cursor-plausible"));
  });

  it("retention-snapshot: a body with a hole above the reported watermark", () => {
    const { oracle, ids, invariants } = setup();
    oracle.onServe("a", ids[1]!, ids[2]!, [{ id: ids[3]! }, { id: ids[4]! }]);
    expect(invariants()).toEqual([]);
    oracle.onServe("a", ids[1]!, ids[2]!, [{ id: ids[5]! }]);
    expect(invariants()).toEqual(["retention-snapshot"]);
  });

  it("retention-no-silent-skip: passing ops without applying them or an honest gap", () => {
    const honest = setup();
    honest.oracle.onApply("a", honest.ids[0]!);
    honest.oracle.onPeerPersist("a", { lastId: honest.ids[0]! });
    honest.oracle.onTickActive([]);
    honest.oracle.onDelete(honest.ids.slice(0, 4));
    honest.oracle.onPeerPersist("a", {
      lastId: honest.ids[3]!,
      gap: { fromId: honest.ids[0]!, throughId: honest.ids[3]! },
    });
    honest.oracle.checkNoSilentSkip();
    expect(honest.invariants()).toEqual([]);

    const forged = setup();
    forged.oracle.onApply("a", forged.ids[0]!);
    forged.oracle.onPeerPersist("a", { lastId: forged.ids[0]! });
    forged.oracle.onPeerPersist("a", {
      lastId: forged.ids[5]!,
      gap: { fromId: forged.ids[0]!, throughId: forged.ids[5]! },
    });
    forged.oracle.checkNoSilentSkip();
    expect(forged.invariants()).toEqual(["retention-no-silent-skip"]);
  });

  it("retention-bounded-size: stale rows left behind, hidden rows, and deletes while off", () => {
    const stale = setup();
    stale.oracle.onPeerPersist("a", { lastId: stale.ids[9]! });
    stale.oracle.checkBoundedSize(10, 56_000, 0, stale.world.epochMs);
    expect(stale.invariants()).toEqual(["retention-bounded-size"]);

    const hidden = setup();
    hidden.oracle.onTickActive([]);
    hidden.oracle.onDelete(hidden.ids.slice(0, 2));
    hidden.oracle.checkBoundedSize(10, null, 0, hidden.world.epochMs);
    expect(hidden.invariants()).toEqual(["retention-bounded-size"]);

    const fine = setup();
    fine.oracle.onPeerPersist("a", { lastId: fine.ids[9]! });
    fine.oracle.onTickActive([]);
    fine.oracle.onDelete(fine.ids.slice(0, 5));
    fine.oracle.checkBoundedSize(5, 56_000, 0, fine.world.epochMs);
    expect(fine.invariants()).toEqual([]);
  });
});
