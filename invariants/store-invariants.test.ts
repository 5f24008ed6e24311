import { describe, expect, it } from "vitest";
import type { StoreMutation } from "../sim/blob-store.ts";
import { checkRead } from "./store-consistency.ts";
import { checkStoreHistory, versionAt } from "./store-history.ts";
import { checkRaceRound, type RacerBelief } from "./store-race.ts";

function put(
  atMs: number,
  process: string,
  key: string,
  generation: number,
  precondition: StoreMutation["precondition"] = "none",
  ifMatch?: string,
): StoreMutation {
  return {
    atMs,
    process,
    op: "put",
    key,
    version: String(generation),
    generation,
    precondition,
    ...(ifMatch === undefined ? {} : { ifMatch }),
    bytesLength: 1,
    answerLost: false,
  };
}

describe("store history checker", () => {
  it("accepts a history whose preconditions held and generations rose", () => {
    const history = [put(1, "a", "k", 10, "ifNoneMatch"), put(2, "b", "k", 11, "ifMatch", "10")];
    expect(checkStoreHistory(history, "gcs")).toEqual([]);
  });

  it("catches a create-if-absent over an existing object and a CAS on a stale version", () => {
    const history = [
      put(1, "a", "k", 10, "ifNoneMatch"),
      put(2, "b", "k", 11, "ifNoneMatch"),
      put(3, "c", "k", 12, "ifMatch", "10"),
    ];
    const problems = checkStoreHistory(history, "gcs");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/ifNoneMatch over version 10/);
    expect(problems[1]).toMatch(/ifMatch 10 while at 11/);
  });

  it("catches a generation reused after a delete, and a store that drifted from its history", () => {
    const deleted: StoreMutation = { ...put(2, "a", "k", 10), op: "delete" };
    const problems = checkStoreHistory(
      [put(1, "a", "k", 10), deleted, put(3, "a", "k", 10)],
      "gcs",
      new Map(),
    );
    expect(problems.some((p) => /does not exceed 10/.test(p))).toBe(true);
    expect(problems.some((p) => /reused generation 10/.test(p))).toBe(true);
    expect(problems.some((p) => /missing from the store/.test(p))).toBe(true);
  });
});

describe("read consistency checker", () => {
  const history = [put(10, "w", "k", 1), put(20, "w", "k", 2), put(30, "w", "k", 3)];
  it("allows the version current at the call or applied while in flight", () => {
    expect(versionAt(history, "k", 25)).toBe("2");
    const read = { reader: "r", key: "k", calledAtMs: 25, answeredAtMs: 35 };
    expect(checkRead(history, { ...read, version: "2" })).toBeUndefined();
    expect(checkRead(history, { ...read, version: "3" })).toBeUndefined();
  });

  it("catches a stale read after an acknowledged write", () => {
    const problem = checkRead(history, {
      reader: "r",
      key: "k",
      calledAtMs: 31,
      answeredAtMs: 40,
      version: "2",
    });
    expect(problem).toMatch(/allows only 3/);
    expect(
      checkRead(history, { reader: "r", key: "k", calledAtMs: 5, answeredAtMs: 9, version: "1" }),
    ).toMatch(/allows only absent/);
  });
});

describe("race checker", () => {
  const beliefs = (entries: Array<[string, RacerBelief]>) => new Map(entries);
  it("accepts one winner that was told ok and losers told 412", () => {
    const round = {
      round: 0,
      key: "k",
      kind: "create" as const,
      beliefs: beliefs([
        ["a", "ok"],
        ["b", "412"],
      ]),
    };
    expect(checkRaceRound([put(1, "a", "k", 1)], round)).toEqual([]);
  });

  it("catches two winners, a believed win the store never applied, and a 412 that applied", () => {
    const round = {
      round: 0,
      key: "k",
      kind: "create" as const,
      beliefs: beliefs([
        ["a", "ok"],
        ["b", "412"],
        ["c", "ok"],
      ]),
    };
    const problems = checkRaceRound([put(1, "a", "k", 1), put(2, "b", "k", 2)], round);
    expect(problems).toEqual([
      expect.stringMatching(/2 racers' writes applied/),
      expect.stringMatching(/b was told 412, but its write applied/),
      expect.stringMatching(/c was told ok, but the store applied no write of it/),
    ]);
  });

  it("catches a write that applied although its racer was told 503/429 (nothing applied)", () => {
    const round = { round: 1, key: "k", kind: "create" as const, beliefs: beliefs([["a", "error"]]) };
    expect(checkRaceRound([put(1, "a", "k", 1)], round)).toEqual([
      expect.stringMatching(/told its write failed/),
    ]);
  });

  it("catches a round with no winner although a racer was refused 412", () => {
    const round = {
      round: 3,
      key: "k",
      kind: "cas" as const,
      beliefs: beliefs([
        ["a", "412"],
        ["b", "unknown"],
      ]),
    };
    expect(checkRaceRound([], round)).toEqual([expect.stringMatching(/no racer's write applied/)]);
  });
});
