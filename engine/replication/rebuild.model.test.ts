/**
 * Model-based test of the rebuild state machine (rebuild.ts): random operation sequences against
 * the real RebuildState and a small model of which calls must be accepted. Every refusal (phase
 * order, transfer going backwards, tail replay past the target or before the base, completion
 * before the target) must throw a ReplicationError and change no field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReplicationError } from "./errors.ts";
import { baseReachedSnapshot, type RebuildPhase, RebuildState } from "./rebuild.ts";

type Op =
  | { op: "select"; source: "snapshot_tail" | "full_base"; snapshot: number; target: number }
  | { op: "beginTransfer" }
  | { op: "transfer"; to: number }
  | { op: "beginTail" }
  | { op: "tail"; to: number }
  | { op: "complete" };

const lsn = fc.integer({ min: 0, max: 40 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("select" as const),
    source: fc.constantFrom("snapshot_tail" as const, "full_base" as const),
    snapshot: lsn,
    target: lsn,
  }),
  fc.constant({ op: "beginTransfer" as const }),
  fc.record({ op: fc.constant("transfer" as const), to: lsn }),
  fc.constant({ op: "beginTail" as const }),
  fc.record({ op: fc.constant("tail" as const), to: lsn }),
  fc.constant({ op: "complete" as const }),
);

interface Model {
  phase: RebuildPhase;
  source: "snapshot_tail" | "full_base" | null;
  snapshot: number;
  target: number;
  transferred: number;
  replayed: number;
}

/** The model's verdict: the next model state, or null when the call must be refused. */
function step(m: Model, o: Op): Model | null {
  switch (o.op) {
    case "select":
      if (m.phase !== "init") return null;
      if (o.source === "snapshot_tail" && (o.snapshot <= 0 || o.snapshot > o.target)) return null;
      const snapshot = o.source === "snapshot_tail" ? o.snapshot : 0;
      return {
        ...m,
        phase: "source_select",
        source: o.source,
        snapshot,
        target: o.target,
        replayed: snapshot,
      };
    case "beginTransfer":
      return m.phase === "source_select" ? { ...m, phase: "transfer" } : null;
    case "transfer":
      return m.phase === "transfer" && o.to >= m.transferred ? { ...m, transferred: o.to } : null;
    case "beginTail":
      return m.phase === "transfer" && m.source === "snapshot_tail" && m.transferred >= m.snapshot
        ? { ...m, phase: "tail_replay" }
        : null;
    case "tail":
      return m.phase === "tail_replay" && o.to >= m.replayed && o.to <= m.target
        ? { ...m, replayed: o.to }
        : null;
    case "complete": {
      const ready =
        m.source === "snapshot_tail"
          ? m.phase === "tail_replay" && m.replayed >= m.target
          : m.source === "full_base" && m.phase === "transfer" && m.transferred >= m.target;
      return ready ? { ...m, phase: "completed" } : null;
    }
  }
}

function apply(real: RebuildState, o: Op): void {
  if (o.op === "select") real.selectSource(o.source, o.snapshot, o.target);
  else if (o.op === "beginTransfer") real.beginTransfer();
  else if (o.op === "transfer") real.recordTransfer(o.to);
  else if (o.op === "beginTail") real.beginTailReplay();
  else if (o.op === "tail") real.recordTailReplay(o.to);
  else real.complete();
}

const fields = (r: RebuildState) => [
  r.phase,
  r.source,
  r.snapshotLsn,
  r.targetLsn,
  r.transferredTo,
  r.tailReplayedTo,
];

describe("rebuild state machine (model)", () => {
  it("accepts exactly what the model accepts; every refusal is typed and changes nothing", () => {
    let refusals = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const real = new RebuildState(baseReachedSnapshot);
        let model: Model = {
          phase: "init",
          source: null,
          snapshot: 0,
          target: 0,
          transferred: 0,
          replayed: 0,
        };
        for (const o of ops) {
          const next = step(model, o);
          const before = fields(real);
          if (next === null) {
            expect(() => apply(real, o)).toThrow(ReplicationError);
            expect(fields(real)).toEqual(before);
            refusals++;
          } else {
            apply(real, o);
            model = next;
          }
          expect(fields(real)).toEqual([
            model.phase,
            model.source,
            model.snapshot,
            model.target,
            model.transferred,
            model.replayed,
          ]);
        }
      }),
      { seed: 23, numRuns: 300 },
    );
    expect(refusals).toBeGreaterThan(0);
  });
});
