import { describe, expect, it } from "vitest";
import { runSeed } from "../harness/run-seed.ts";
import type { TraceEvent } from "../sim/trace.ts";
import { durabilityEvidence } from "./durability-evidence.ts";

const ev = (t: number, p: string, k: string, f?: TraceEvent["f"]): TraceEvent =>
  f ? { t, p, k, f } : { t, p, k };

describe("durability evidence", () => {
  const trace: TraceEvent[] = [
    ev(10, "w", "store.put", { key: "db/manifest.json", outcome: "ok" }),
    ev(20, "c", "write.sent", { id: 7 }),
    ev(40, "w", "store.put", { key: "db/data/seg", outcome: "ok" }),
    ev(50, "w", "store.put", { key: "db/manifest.json", outcome: "ok" }),
    ev(50, "w", "wal.commit", { commitSeq: 3 }),
    ev(50, "c", "write.acked", { id: 7 }),
    ev(60, "w", "store.put", { key: "db/data/seg2", outcome: "503" }),
    ev(70, "w", "proc.kill", { reason: "kill point" }),
    ev(80, "v", "restore.done", { segments: 1 }),
    ev(80, "v", "proc.kill", { reason: "verified" }),
  ];

  it("cites the ack, the CAS it was acked behind, the fault and kill after it, and the restore", () => {
    const cited = durabilityEvidence(trace, 7);
    expect(cited.map((e) => `${e.t} ${e.k}`)).toEqual([
      "50 store.put",
      "50 wal.commit",
      "50 write.acked",
      "60 store.put",
      "70 proc.kill",
      "80 restore.done",
    ]);
    // Not the earlier CAS, not the verifier's own end.
    expect(cited).not.toContain(trace[0]);
    expect(cited).not.toContain(trace[9]);
  });

  it("cites nothing for a write whose ack is not in the trace", () => {
    expect(durabilityEvidence(trace, 8)).toEqual([]);
    expect(durabilityEvidence(trace, null)).toEqual([]);
  });

  it("B12 on wal.e2b-kill-points seed 0: the violation names write 4's ack, its manifest CAS and the kill", async () => {
    const run = await runSeed("wal.e2b-kill-points", 0, { variant: "B12", keepFullTrace: true });
    expect(run.result.violation?.invariant).toBe("acked-write-durability");
    const kinds = run.violationEvents.map((e) => `${e.p} ${e.k}${e.f?.id !== undefined ? ` ${e.f.id}` : ""}`);
    expect(kinds).toContain("clients write.acked 4");
    expect(kinds).toContain("writer.0 store.put");
    expect(kinds).toContain("writer.0 proc.kill");
    expect(kinds).toContain("verify.0 restore.done");
    expect(kinds.at(-1)).toBe("world violation");
  });
});
