import { describe, expect, it } from "vitest";
import type { StoreMutation } from "../sim/blob-store.ts";
import { leaseWindowProblems } from "./lease-window.ts";
import type { TappedWrite } from "./single-writer-tap.ts";

const EPOCH = 1_000_000;
const write = (process: string, atMs: number, record: Record<string, unknown>): TappedWrite => ({
  mutation: { atMs, process, op: "put", key: "lease" } as StoreMutation,
  bytes: new TextEncoder().encode(
    JSON.stringify({ formatVersion: 1, fencingToken: 1, released: false, ...record }),
  ),
});
const bounds = (skewS: number) => ({
  epochMs: EPOCH,
  clockOffsetMs: (process: string) => (process === "S" ? skewS : 0),
  ttlMs: 60_000,
  takeoverGraceMs: 5_000,
  startSlackMs: 30_000,
});

describe("lease window", () => {
  const p = write("P", 0, { holder: "P", acquiredAtMs: EPOCH, expiresAtMs: EPOCH + 60_000 });
  it("accepts a takeover after the holder's expiry and a window that starts when won", () => {
    const s = write("S", 66_000, {
      holder: "S",
      fencingToken: 2,
      acquiredAtMs: EPOCH + 66_000,
      expiresAtMs: EPOCH + 126_000,
    });
    expect(leaseWindowProblems([p, s], "lease", bounds(0))).toEqual([]);
  });
  it("names a takeover before the holder's expiry within the skew bound, not past it", () => {
    const early = (skew: number) =>
      write("S", 58_000, {
        holder: "S",
        fencingToken: 2,
        acquiredAtMs: EPOCH + 58_000 + skew,
        expiresAtMs: EPOCH + 118_000 + skew,
      });
    expect(leaseWindowProblems([p, early(5_000)], "lease", bounds(5_000))[0]).toContain(
      "took the lease over",
    );
    expect(leaseWindowProblems([p, early(6_000)], "lease", bounds(6_000))).toEqual([]);
  });
  it("names a window that started before the wait", () => {
    const s = write("S", 66_000, {
      holder: "S",
      fencingToken: 2,
      acquiredAtMs: EPOCH + 1_000,
      expiresAtMs: EPOCH + 61_000,
    });
    expect(leaseWindowProblems([p, s], "lease", bounds(0))[0]).toContain("its window starts at");
  });
});
