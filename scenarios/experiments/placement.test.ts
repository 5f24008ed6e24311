import { describe, expect, it } from "vitest";
import {
  inRedQuadrant,
  LATENCY_CRITICAL_CONTENDED_UTILISATION,
  type PlacementFigures,
  PlacementEvidenceError,
  placeProfile,
} from "./placement.ts";
import type { WorkloadProfile } from "./profiles.ts";

/** A one-database tool with 8 writers: the knobs each test turns are named in the test. */
function profile(overrides: Partial<WorkloadProfile> = {}): WorkloadProfile {
  return {
    id: "tool",
    title: "a tool",
    writesPerS: 0.5,
    databases: 1,
    concurrentWriters: 8,
    sameRowShare: 0,
    writeBytes: 512,
    p99BudgetMs: 300,
    latencyCritical: false,
    ...overrides,
  };
}

/** Figures close to what the rig measures: ~90 ms floor, 0.9/s per writer, one row 0.9/s. */
function figures(overrides: Partial<PlacementFigures> = {}): PlacementFigures {
  return {
    exp1: { p50Ms: 90, p99Ms: 130, p999Ms: 250 },
    exp2: { writers: 8, commitsPerS: 7.2, sequentialCommitsPerS: 0.9 },
    exp3: { writers: 8, contendedCommitsPerS: 0.9 },
    ...overrides,
  };
}

describe("placement decision boundary", () => {
  it("places a light independent-row tool green on this engine, from Exp 1 + 2 only", () => {
    const placed = placeProfile(profile(), figures({ exp3: null }));
    expect(placed).toMatchObject({ quadrant: "green", backend: "this-engine", evidence: ["exp1", "exp2"] });
  });

  it("places a sustained single-database firehose amber, still on this engine", () => {
    const placed = placeProfile(profile({ writesPerS: 5 }), figures({ exp3: null }));
    expect(placed).toMatchObject({ quadrant: "amber", backend: "this-engine" });
  });

  it("spreads the write rate over the databases: the same rate over 10 lanes is green", () => {
    const tool = profile({ writesPerS: 5, databases: 10, concurrentWriters: 80 });
    expect(placeProfile(tool, figures({ exp3: null })).quadrant).toBe("green");
  });

  it("routes a latency-critical same-row tool to coupled Postgres when Exp 3 shows the wall", () => {
    const tool = profile({ writesPerS: 2, sameRowShare: 0.9, latencyCritical: true });
    const placed = placeProfile(tool, figures());
    expect(placed).toMatchObject({ quadrant: "red", backend: "coupled-postgres" });
    expect(placed.evidence).toEqual(["exp1", "exp2", "exp3"]);
  });

  it("routes a tool that does not fit to coupled Postgres: throughput, then latency", () => {
    expect(placeProfile(profile({ writesPerS: 50 }), figures({ exp3: null }))).toMatchObject({
      quadrant: "red",
      backend: "coupled-postgres",
    });
    const slow = placeProfile(profile({ p99BudgetMs: 100 }), figures({ exp3: null }));
    expect(slow.backend).toBe("coupled-postgres");
    expect(slow.reason).toMatch(/p99 commit 130 ms over the 100 ms budget/);
  });

  describe("edges", () => {
    it("p99 exactly at the budget fits; one ms over does not", () => {
      expect(placeProfile(profile({ p99BudgetMs: 130 }), figures({ exp3: null })).backend).toBe(
        "this-engine",
      );
      expect(placeProfile(profile({ p99BudgetMs: 129 }), figures({ exp3: null })).backend).toBe(
        "coupled-postgres",
      );
    });

    it("throughput must be strictly above the write rate", () => {
      expect(placeProfile(profile({ writesPerS: 7.2 }), figures({ exp3: null })).backend).toBe(
        "coupled-postgres",
      );
      expect(placeProfile(profile({ writesPerS: 7.19 }), figures({ exp3: null })).backend).toBe(
        "this-engine",
      );
    });

    it("amber starts strictly above what one-at-a-time commits sustain", () => {
      expect(placeProfile(profile({ writesPerS: 0.9 }), figures({ exp3: null })).quadrant).toBe("green");
      expect(placeProfile(profile({ writesPerS: 0.91 }), figures({ exp3: null })).quadrant).toBe("amber");
    });

    it("a contended tool saturating the one-row ceiling is red even when nobody waits on it", () => {
      // 1.0/s all same-row against 0.9/s: utilisation > 1.
      const saturated = profile({ writesPerS: 1, sameRowShare: 1 });
      expect(placeProfile(saturated, figures())).toMatchObject({
        quadrant: "red",
        backend: "coupled-postgres",
      });
      // Exactly at the ceiling: red (the row has no headroom left).
      expect(placeProfile(profile({ writesPerS: 0.9, sameRowShare: 1 }), figures()).quadrant).toBe("red");
      // Below it, not latency-critical: the row keeps up.
      expect(placeProfile(profile({ writesPerS: 0.89, sameRowShare: 1 }), figures()).quadrant).toBe("green");
    });

    it("a latency-critical contended tool is red from half the ceiling on", () => {
      expect(LATENCY_CRITICAL_CONTENDED_UTILISATION).toBe(0.5);
      const at = profile({ writesPerS: 0.45, sameRowShare: 1, latencyCritical: true });
      const below = profile({ writesPerS: 0.44, sameRowShare: 1, latencyCritical: true });
      expect(placeProfile(at, figures()).backend).toBe("coupled-postgres");
      expect(placeProfile(below, figures()).backend).toBe("this-engine");
      expect(inRedQuadrant(at, figures())).toBe(true);
      expect(inRedQuadrant(below, figures())).toBe(false);
    });

    it("the same rate with no shared rows is never red, whatever Exp 3 says", () => {
      const tool = profile({ writesPerS: 2, sameRowShare: 0, latencyCritical: true });
      expect(inRedQuadrant(tool, figures())).toBe(false);
      expect(placeProfile(tool, figures()).quadrant).toBe("amber");
    });
  });

  describe("missing evidence", () => {
    it("refuses to place without Exp 1 or Exp 2", () => {
      expect(() => placeProfile(profile(), figures({ exp1: null }))).toThrow(PlacementEvidenceError);
      expect(() => placeProfile(profile(), figures({ exp2: null }))).toThrow(/Exp 2/);
    });

    it("refuses to place a tool with shared rows without Exp 3", () => {
      const tool = profile({ sameRowShare: 0.1 });
      expect(() => placeProfile(tool, figures({ exp3: null }))).toThrow(/cannot place without Exp 3/);
    });

    it("refuses Exp 2 figures measured at another concurrency than the tool's", () => {
      const wrong = figures({ exp2: { writers: 4, commitsPerS: 3.6, sequentialCommitsPerS: 0.9 } });
      expect(() => placeProfile(profile(), wrong)).toThrow(/measured 4 writers/);
    });
  });
});
