import { describe, expect, it } from "vitest";
import { resolveRetentionConfig } from "./config.ts";
import { RetentionConfigError } from "./errors.ts";
import { computeRetentionCutoff, type CutoffInput } from "./floor.ts";
import { opIdAtTime, parseOpId, tryParseOpId, ZERO_OP_ID } from "./op-id.ts";
import { defaultRetentionSeams, type PeerCursorInput, resolveRetentionSeams } from "./seams.ts";
import type { CursorRow } from "./storage.ts";
import { T0, testConfig } from "./test-support.ts";

const NOW = T0 + 3_600_000;
const row = (host: string, lastId: string, version = "1"): CursorRow => ({ host, lastId, version });
const input = (rows: CursorRow[], activeHosts: string[], extra: Partial<CutoffInput> = {}): CutoffInput => ({
  rows,
  activeHosts,
  selfHost: "primary.example",
  nowMs: NOW,
  config: testConfig(),
  seams: defaultRetentionSeams,
  ...extra,
});

describe("computeRetentionCutoff (RET-1, RET-2)", () => {
  it("is the slowest active peer's cursor minus the margin when that is tighter than the age", () => {
    const slow = opIdAtTime(NOW - 100_000);
    const decision = computeRetentionCutoff(
      input([row("a.example", opIdAtTime(NOW - 1_000)), row("b.example", slow)], ["a.example", "b.example"]),
    );
    expect(decision).toMatchObject({ kind: "cutoff", floorId: slow, peers: 2 });
    if (decision.kind !== "cutoff") throw new Error("unreachable");
    expect(parseOpId(decision.cutoffId).timeMs).toBe(NOW - 105_000);
  });

  it("is the age bound when every peer is ahead of it", () => {
    const decision = computeRetentionCutoff(
      input([row("a.example", opIdAtTime(NOW - 1_000))], ["a.example"]),
    );
    if (decision.kind !== "cutoff") throw new Error(`expected a cutoff, got ${decision.reason}`);
    expect(parseOpId(decision.cutoffId).timeMs).toBe(NOW - 60_000);
  });

  it("ignores rows of hosts that are not active peers, a worker's content ID included (M01)", () => {
    const rows = [
      row("a.example", opIdAtTime(NOW - 1_000)),
      row("qm_fix_truncated", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"),
      row("gone.example", opIdAtTime(T0 - 3_600_000)),
    ];
    const decision = computeRetentionCutoff(input(rows, ["a.example"]));
    expect(decision).toMatchObject({ kind: "cutoff", peers: 1 });
  });

  it("the M01 filter (every row, bare parse) pins the floor at zero: the test can fail", () => {
    const buggy = resolveRetentionSeams({
      selectPeerCursors: (peers: PeerCursorInput) =>
        peers.rows.map((r) => ({ host: r.host, cursorId: tryParseOpId(r.lastId) ? r.lastId : ZERO_OP_ID })),
    });
    const rows = [row("a.example", opIdAtTime(NOW - 1_000)), row("qm_fix_truncated", "bafy-not-an-id")];
    expect(computeRetentionCutoff(input(rows, ["a.example"], { seams: buggy })).kind).toBe("skip");
  });

  it("an active peer with a missing, unparseable or implausible cursor blocks pruning", () => {
    for (const lastId of [null, "garbage", ZERO_OP_ID, opIdAtTime(NOW + 86_400_000)]) {
      const rows = [row("a.example", opIdAtTime(NOW - 1_000))];
      if (lastId !== null) rows.push(row("b.example", lastId));
      const decision = computeRetentionCutoff(input(rows, ["a.example", "b.example"]));
      expect(decision).toEqual({ kind: "skip", reason: "peer b.example has no usable cursor" });
    }
  });

  it.each(["Primary.Example", "primary.example/", "PRIMARY.EXAMPLE//", " primary.example "])(
    "never counts ourselves as a peer when our host is spelled %j (M06)",
    (selfHost) => {
      const rows = [row("a.example", opIdAtTime(NOW - 1_000))];
      const decision = computeRetentionCutoff(input(rows, ["primary.example", "A.Example/"], { selfHost }));
      expect(decision).toMatchObject({ kind: "cutoff", peers: 1 });
      const buggy = resolveRetentionSeams({ normalizeHost: (host) => host });
      expect(
        computeRetentionCutoff(input(rows, ["primary.example", "a.example"], { selfHost, seams: buggy }))
          .kind,
      ).toBe("skip");
    },
  );

  it("does nothing when retention is not configured (RET-6)", () => {
    const config = testConfig({ retentionMs: undefined });
    const decision = computeRetentionCutoff(
      input([row("a.example", opIdAtTime(NOW))], ["a.example"], { config }),
    );
    expect(decision).toEqual({ kind: "skip", reason: "retention off" });
  });

  it("rejects bad options with a typed error naming the option", () => {
    const plausibility = { dataEpochMs: 0, maxFutureSkewMs: 0 };
    expect(() => resolveRetentionConfig({ retentionMs: -1, plausibility })).toThrow(RetentionConfigError);
    expect(() => resolveRetentionConfig({ retentionMs: 1, batchLimit: 0.5, plausibility })).toThrow(
      /batchLimit/,
    );
    expect(() => resolveRetentionConfig({ cursorSafetyMarginMs: Number.NaN, plausibility })).toThrow(
      /cursorSafetyMarginMs/,
    );
    expect(resolveRetentionConfig({ plausibility }).retentionMs).toBeNull();
  });
});
