/**
 * `replay --perfetto` output against the trace-event format's schema (the JSON Object Format of
 * Chrome's trace-event spec, as Perfetto imports it), and its content for B12's recorded seed:
 * a track per process, instants for the acks and the kill, a flow per acked write.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runSeed } from "../harness/run-seed.ts";
import { perfettoTrace } from "./perfetto.ts";

const common = {
  name: z.string().min(1),
  ts: z.number().nonnegative(),
  pid: z.number().int().positive(),
  tid: z.number().int(),
  cat: z.string().optional(),
  args: z.record(z.string(), z.unknown()).optional(),
};
const TraceEventSchema = z.discriminatedUnion("ph", [
  z.object({ ...common, ph: z.literal("X"), dur: z.number().positive() }).strict(),
  z.object({ ...common, ph: z.literal("i"), s: z.enum(["t", "p", "g"]) }).strict(),
  z
    .object({
      ...common,
      ph: z.literal("M"),
      name: z.enum(["process_name", "thread_name", "process_sort_index"]),
      args: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .strict(),
  z.object({ ...common, ph: z.enum(["s", "t"]), id: z.number().int() }).strict(),
  z.object({ ...common, ph: z.literal("f"), id: z.number().int(), bp: z.literal("e").optional() }).strict(),
]);
const TraceSchema = z
  .object({
    traceEvents: z.array(TraceEventSchema).min(1),
    displayTimeUnit: z.enum(["ms", "ns"]),
    otherData: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .strict();

describe("--perfetto trace-event JSON", () => {
  it("B12's recorded seed: schema-valid, a track per process, acks and the kill as instants, flows write → CAS → ack", async () => {
    const run = await runSeed("wal.e2b-kill-points", 0, { variant: "B12", keepFullTrace: true });
    const trace = TraceSchema.parse(JSON.parse(JSON.stringify(perfettoTrace(run.trace, run.result))));
    const names = trace.traceEvents.filter((e) => e.name === "process_name").map((e) => e.args?.name);
    expect(new Set(names)).toEqual(new Set(run.trace.map((e) => e.p)));
    const instants = trace.traceEvents.filter((e) => e.ph === "i");
    expect(instants.filter((e) => e.name === "write.acked")).toHaveLength(4);
    expect(instants.some((e) => e.name === "proc.kill" && e.cat === "fault")).toBe(true);
    expect(instants.some((e) => e.name === "violation" && e.s === "g")).toBe(true);
    // Each acked write: one flow, starting at its send, stepping through the CAS, ending at the ack.
    const flows = new Map<number, string[]>();
    for (const e of trace.traceEvents)
      if ("id" in e && typeof e.id === "number") flows.set(e.id, [...(flows.get(e.id) ?? []), e.ph]);
    expect(flows.size).toBe(4);
    for (const phases of flows.values()) expect(phases).toEqual(["s", "t", "f"]);
    const cas = trace.traceEvents.filter((e) => e.ph === "X" && e.name.includes("manifest CAS"));
    expect(cas.length).toBe(3);
  });

  it("the schema rejects what Perfetto would not read (a slice without a duration, an unknown phase)", () => {
    expect(
      TraceSchema.safeParse({
        traceEvents: [{ name: "x", ph: "X", ts: 0, pid: 1, tid: 1 }],
        displayTimeUnit: "ms",
        otherData: {},
      }).success,
    ).toBe(false);
    expect(
      TraceSchema.safeParse({
        traceEvents: [{ name: "x", ph: "Q", ts: 0, pid: 1, tid: 1 }],
        displayTimeUnit: "ms",
        otherData: {},
      }).success,
    ).toBe(false);
  });

  it("blobsim replay --perfetto writes the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-perfetto-"));
    try {
      const file = join(dir, "b12.json");
      execFileSync(
        process.execPath,
        [
          "bin/blobsim.js",
          "replay",
          "wal.e2b-kill-points",
          "--seed",
          "0",
          "--variant",
          "B12",
          "--perfetto",
          file,
        ],
        { stdio: "pipe" },
      ).toString();
    } catch (error) {
      // Exit 1: the seed violates (that is B12); the file is written before the verdict.
      expect((error as { status?: number }).status).toBe(1);
    }
    try {
      const trace = TraceSchema.parse(JSON.parse(readFileSync(join(dir, "b12.json"), "utf8")));
      expect(trace.otherData.traceHash).toBe("5ffeb85cbe181880");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
