import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../sim/trace.ts";
import { runSeed } from "../harness/run-seed.ts";
import { compactTimeline, isAck, writesPerManifestCas } from "./trace-viewer.ts";

describe("trace viewer figures", () => {
  it("a group-commit seed: the manifest is created (0 writes), then one CAS carries 1 write and one carries 10", async () => {
    const run = await runSeed("wal.e2c-group-commit", 0, { keepFullTrace: true });
    expect(run.result.ok).toBe(true);
    expect(writesPerManifestCas(run.trace)).toEqual([0, 1, 10]);
  });

  it("acks are write.acked, commit.acked or a bare ack; not write.sent or acknowledged-looking names", () => {
    expect(["write.acked", "commit.acked", "ack", "x.ack"].every(isAck)).toBe(true);
    expect(["write.sent", "write.unknown", "backpack", "hack.lease"].some(isAck)).toBe(false);
  });

  it("a commit record's declared batch wins over counting acks", () => {
    const events: TraceEvent[] = [
      { t: 1, p: "w", k: "store.put", f: { key: "db/manifest.json", outcome: "ok" } },
      { t: 1, p: "w", k: "commit.done", f: { writes: 7 } },
      { t: 1, p: "c", k: "write.acked", f: { id: 1 } },
    ];
    expect(writesPerManifestCas(events)).toEqual([7]);
  });

  it("the page's compact form interns names and marks the cited events", () => {
    const events: TraceEvent[] = [
      { t: 0, p: "a", k: "x" },
      { t: 5, p: "b", k: "x", f: { id: 1 } },
      { t: 9, p: "world", k: "violation", f: { invariant: "i" } },
    ];
    const compact = compactTimeline({
      title: "t",
      scenario: "s",
      seed: 0,
      variant: null,
      traceHash: "h",
      events,
      totalEvents: 3,
      violation: { invariant: "i", message: "m", atMs: 9 },
      evidence: [events[1]!],
      replay: "r",
    });
    expect(compact.procs).toEqual(["a", "b", "world"]);
    expect(compact.kinds).toEqual(["x", "violation"]);
    expect(compact.ev[1]).toEqual([5, 1, 0, { id: 1 }]);
    expect(compact.cited).toEqual([1, 2]);
  });
});
