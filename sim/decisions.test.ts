import { describe, expect, it } from "vitest";
import { DecisionLog, DecisionPlanError, parseDecisionPlan } from "./decisions.ts";
import { Rng } from "./rng.ts";

/** Ten fault decisions from one stream, under a plan (or none). */
function decideTen(plan?: ConstructorParameters<typeof DecisionLog>[0]) {
  const log = new DecisionLog(plan);
  const rng = new Rng("decisions-test");
  const values = Array.from({ length: 10 }, (_, i) =>
    log.decide("site", () => (rng.chance(0.5) ? "fault" : "none"), "none", i),
  );
  return { log, values, next: rng.next() };
}

describe("decision log", () => {
  it("keeps only non-neutral decisions, each with its site index", () => {
    const { log, values } = decideTen();
    const faults = values.flatMap((value, index) => (value === "fault" ? [index] : []));
    expect(faults.length).toBeGreaterThan(0);
    expect(log.entries.map((entry) => entry.index)).toEqual(faults);
  });

  it("replays its own log exactly, and a forced decision does not shift the stream", () => {
    const free = decideTen();
    const forced = decideTen({ version: 1, others: "neutral", decisions: free.log.entries });
    expect(forced.values).toEqual(free.values);
    const flipped = decideTen({
      version: 1,
      others: "draw",
      decisions: [{ site: "site", index: 0, value: "x" }],
    });
    expect(flipped.values.slice(1)).toEqual(free.values.slice(1));
    expect(flipped.values[0]).toBe("x");
    expect(flipped.next).toBe(free.next);
  });

  it("an empty neutral plan takes no fault at all", () => {
    const { log, values } = decideTen({ version: 1, others: "neutral", decisions: [] });
    expect(values.every((value) => value === "none")).toBe(true);
    expect(log.entries).toEqual([]);
  });

  it("rejects a malformed plan, or a forced value of the wrong kind, with a typed error", () => {
    expect(() => parseDecisionPlan({ version: 1, decisions: [] }, "p.json")).toThrow(/p\.json: others/);
    expect(() =>
      decideTen({ version: 1, others: "draw", decisions: [{ site: "site", index: 2, value: 7 }] }),
    ).toThrow(DecisionPlanError);
  });
});
