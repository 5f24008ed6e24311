import { describe, expect, it } from "vitest";
import type { Row } from "../engine/db/database.ts";
import { emptyManifest, type Manifest } from "../engine/manifest/manifest.ts";
import {
  type AppliedWrite,
  checkReplicaReads,
  commitStates,
  type ManifestCommit,
  type ReplicaReadRecord,
  type ReplicaStoreCall,
} from "./read-replica.ts";

const KEY = "db/manifest.json";
const encoder = new TextEncoder();
const row = (key: string, text: string | null): Row => ({
  key,
  value: text === null ? null : encoder.encode(text),
});

function manifest(commitSeq: number, writerId: string, data: string[], resumeLsn: number): Manifest {
  const [snapshot, ...segments] = data;
  return {
    ...emptyManifest("db"),
    commitSeq,
    writerId,
    fencingToken: Number(writerId.slice(1)),
    resumeLsn,
    snapshot: snapshot ? { key: snapshot, bytes: 1, sha256: "x", lsn: 100, fencingToken: 1 } : null,
    segments: segments.map((key, index) => ({
      key,
      startLsn: 100 + index * 100,
      endLsn: 200 + index * 100,
      bytes: 1,
      sha256: "x",
      fencingToken: 1,
    })),
  };
}

/**
 * Writer w1 stamps (1 at 0 ms), snapshots {a} (2 at 1000 ms), appends {b} (3 at 2000 ms);
 * w2 takes over (4 at 3000 ms: the stamp) and snapshots {a, b, c} (5 at 4000 ms). w1 also wrote
 * {z} after LSN 200 (its fenced zombie range) and w2's d, after LSN 300, never committed.
 */
const commits: ManifestCommit[] = [
  { atMs: 0, manifest: manifest(1, "w1", [], 0) },
  { atMs: 1_000, manifest: manifest(2, "w1", ["snap1"], 100) },
  { atMs: 2_000, manifest: manifest(3, "w1", ["snap1", "seg1"], 200) },
  { atMs: 3_000, manifest: manifest(4, "w2", ["snap1", "seg1"], 200) },
  { atMs: 4_000, manifest: manifest(5, "w2", ["snap2"], 300) },
];
const writes = new Map<string, AppliedWrite[]>([
  [
    "w1",
    [
      { rows: [row("a", "1")], postLsn: 90 },
      { rows: [row("b", "2")], postLsn: 200 },
      { rows: [row("z", "zombie")], postLsn: 250 },
    ],
  ],
  [
    "w2",
    [
      { rows: [row("c", "3"), row("b", null)], postLsn: 280 },
      { rows: [row("d", "4")], postLsn: 320 },
    ],
  ],
]);
const { states, problems: oracleProblems } = commitStates(commits, writes);
const served = (atMs: number, rows: Row[], commitSeq: number): ReplicaReadRecord => ({
  replica: "r",
  atMs,
  outcome: "served",
  rows,
  commitSeq,
});
const check = (reads: ReplicaReadRecord[], calls: ReplicaStoreCall[] = []) =>
  checkReplicaReads({ states, reads, calls, manifestKey: KEY, maxLagMsOf: () => 1_500 }).map(
    (problem) => problem.invariant,
  );

describe("read replica checker", () => {
  it("rebuilds each commit's state from the writes alone", () => {
    expect(oracleProblems).toEqual([]);
    expect(states.map((state) => [...state.rows.keys()].sort().join(""))).toEqual([
      "",
      "",
      "a",
      "ab",
      "ab",
      "ac",
    ]);
  });

  it("passes reads of durable states within the lag bound, byte for byte", () => {
    expect(
      check([served(2_500, [row("a", "1"), row("b", "2")], 3), served(1_100, [row("a", "1")], 2)]),
    ).toEqual([]);
    expect(check([served(3_499, [row("a", "1")], 2)])).toEqual([]); // commit 3 landed 1 499 ms ago
    expect(check([served(3_200, [row("a", "1"), row("b", "2")], 4)])).toEqual([]); // the stamp, same state
  });

  it("catches a state newer than durable and a state no commit had (a fenced zombie's range)", () => {
    expect(check([served(2_500, [row("a", "1"), row("c", "3")], 3)])).toEqual(["replica-ahead-of-durable"]);
    const zombie = [row("a", "1"), row("b", "2"), row("z", "zombie")];
    expect(check([served(3_500, zombie, 4)])).toEqual(["replica-ahead-of-durable"]);
    const uncommitted = [row("a", "1"), row("c", "3"), row("d", "4")];
    expect(check([served(4_500, uncommitted, 5)])).toEqual(["replica-ahead-of-durable"]);
    const wrongBytes = [row("a", "1"), row("b", "3")];
    expect(check([served(2_500, wrongBytes, 3)])).toEqual(["replica-ahead-of-durable"]);
  });

  it("catches a state older than the lag bound allows and a position that does not match", () => {
    expect(check([served(3_500, [row("a", "1")], 2)])).toEqual(["replica-behind-lag-bound"]); // at the bound
    expect(check([served(5_000, [], 1)])).toEqual(["replica-behind-lag-bound"]);
    expect(check([served(2_500, [row("a", "1")], 3)])).toEqual(["replica-position"]);
  });

  it("allows a refusal only when the replica had no clean poll within its lag bound", () => {
    const stale: ReplicaReadRecord = { replica: "r", atMs: 5_000, outcome: "stale" };
    const call = (
      issuedAtMs: number,
      answeredAtMs: number | null,
      ok: boolean,
      key = KEY,
    ): ReplicaStoreCall => ({
      replica: "r",
      op: "get",
      key,
      issuedAtMs,
      answeredAtMs,
      ok,
    });
    expect(check([stale], [call(3_000, 3_050, true)])).toEqual([]); // too old
    expect(check([stale], [call(4_000, 4_050, false)])).toEqual([]); // failed
    expect(check([stale], [call(4_000, 4_050, true), call(4_050, 4_100, false, "db/data/x")])).toEqual([]);
    expect(check([stale], [call(4_000, null, true)])).toEqual([]); // never answered
    expect(check([stale], [call(4_000, 4_050, true), call(4_050, 4_100, true, "db/data/x")])).toEqual([
      "replica-refused-while-fresh",
    ]);
  });
});
