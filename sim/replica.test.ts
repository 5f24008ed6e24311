import { describe, expect, it } from "vitest";
import { SimReplica, type WalEntry } from "./replica.ts";
import { World } from "./world.ts";

const entry = (lsn: number, page = lsn % 4, mark = lsn): WalEntry => ({
  lsn,
  page,
  bytes: new Uint8Array([mark]),
});
const replica = () => new SimReplica("r", new World({ seed: 1 }).spawn("r"));

describe("SimReplica", () => {
  it("applies only contiguous entries and ignores duplicates", () => {
    const r = replica();
    r.handle({ op: "stream", epoch: 1, sessionId: 1, entries: [entry(1), entry(2), entry(4)] });
    expect(r.flushedLsn).toBe(2);
    r.handle({ op: "stream", epoch: 1, sessionId: 1, entries: [entry(2), entry(3), entry(4)] });
    expect(r.flushedLsn).toBe(4);
  });

  it("fences older epochs and older sessions of the same epoch", () => {
    const r = replica();
    expect(r.handle({ op: "handshake", epoch: 2, sessionId: 5 }).ok).toBe(true);
    expect(r.handle({ op: "stream", epoch: 1, sessionId: 9, entries: [entry(1)] })).toEqual({
      ok: false,
      refused: "stale_epoch",
    });
    expect(r.handle({ op: "stream", epoch: 2, sessionId: 4, entries: [entry(1)] })).toEqual({
      ok: false,
      refused: "stale_session",
    });
    expect(r.flushedLsn).toBe(0);
  });

  it("truncates once per session (a late duplicate cannot cut applied entries)", () => {
    const r = replica();
    r.preload([entry(1), entry(2), entry(3)]);
    r.handle({ op: "truncate", epoch: 1, sessionId: 1, toLsn: 1 });
    r.handle({ op: "stream", epoch: 1, sessionId: 1, entries: [entry(2, 0, 9)] });
    r.handle({ op: "truncate", epoch: 1, sessionId: 1, toLsn: 1 });
    expect(r.flushedLsn).toBe(2);
  });

  it("installs a base in order, claims its LSN at once, and drops a half base on a newer session's handshake", () => {
    const r = replica();
    r.handle({ op: "base", epoch: 1, sessionId: 1, baseLsn: 10, index: 0, count: 2, entries: [entry(3)] });
    r.handle({ op: "base", epoch: 1, sessionId: 1, baseLsn: 10, index: 0, count: 2, entries: [entry(3)] });
    expect(r.flushedLsn).toBe(10);
    expect(r.pages().size).toBe(1);
    r.handle({ op: "handshake", epoch: 1, sessionId: 2 });
    expect(r.flushedLsn).toBe(0);
    expect(r.pages().size).toBe(0);
  });
});
