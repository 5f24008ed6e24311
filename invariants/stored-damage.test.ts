import { describe, expect, it } from "vitest";
import { RestoreIntegrityError } from "../engine/restore/restore.ts";
import type { StoredObject } from "../sim/blob-store.ts";
import { lossProblem, lostObjects, manifestDataProblem, refusalProblem } from "./stored-damage.ts";
import { checkProgress } from "./progress.ts";
import type { WriteRecord } from "./durability.ts";

const object = (text: string, generation: number): StoredObject => {
  const bytes = new TextEncoder().encode(text);
  return { bytes, version: String(generation), generation, size: bytes.length };
};
const manifest = (fields: Record<string, unknown>) =>
  JSON.stringify({
    formatVersion: 1,
    dbId: "d",
    fencingToken: 1,
    commitSeq: 1,
    resumeLsn: 0,
    writerId: "w",
    lifeBaseLsn: null,
    snapshot: null,
    previousSnapshot: null,
    segments: [],
    ...fields,
  });

describe("stored-damage checkers", () => {
  it("accepts only typed refusals", () => {
    expect(refusalProblem(new RestoreIntegrityError("k", "size"))).toBeNull();
    expect(refusalProblem(new Error("boom"))).toContain("not one of");
  });

  it("names objects deleted or overwritten since the damage, the manifest aside", () => {
    const before = new Map([
      ["a", object("a", 1)],
      ["b", object("b", 2)],
      ["m", object("m", 3)],
    ]);
    const after = new Map([
      ["b", object("b2", 9)],
      ["m", object("m2", 10)],
    ]);
    expect(lostObjects(before, after, ["m"])).toEqual(["a deleted", "b overwritten (generation 2 -> 9)"]);
  });

  it("lets a fence stamp change the holder but not the data a manifest names", () => {
    const was = object(manifest({}), 1);
    expect(manifestDataProblem(was, object(manifest({ fencingToken: 2, commitSeq: 2 }), 2), "m")).toBeNull();
    expect(manifestDataProblem(was, object(manifest({ resumeLsn: 5 }), 2), "m")).toContain("data fields");
    const corrupt = object("not json", 1);
    expect(manifestDataProblem(corrupt, corrupt, "m")).toBeNull();
    expect(manifestDataProblem(corrupt, object(manifest({}), 2), "m")).toContain("overwritten");
  });

  it("compares the restored state with the one the damage left", () => {
    expect(lossProblem([], [])).toBeNull();
    expect(lossProblem([], [{ key: "k", value: null }])).toContain("not the one");
  });

  it("progress: unacked writes beyond the fault allowance, and slow acks, fail", () => {
    const write = (id: number, status: WriteRecord["status"], tookMs = 10): WriteRecord => ({
      id,
      issue: id,
      rows: [],
      status,
      life: 0,
      sentAtMs: 0,
      settledAtMs: tookMs,
    });
    const bound = { ackBoundMs: 1_000, faultRate: 0, faultAllowance: 1 };
    expect(checkProgress([write(1, "acked"), write(2, "acked")], bound)).toEqual([]);
    expect(checkProgress([write(1, "acked"), write(2, "failed")], bound)[0]!.message).toContain("1 of 2");
    expect(checkProgress([write(1, "failed"), write(2, "acked")], { ...bound, faultRate: 0.5 })).toEqual([]);
    expect(checkProgress([write(1, "acked", 5_000)], bound)[0]!.message).toContain("took 5000 ms");
  });
});
