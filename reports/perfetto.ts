/**
 * One seed's trace as Chrome trace-event JSON (the "JSON Array/Object Format" that Perfetto UI
 * and chrome://tracing open), for engineers who read timelines there:
 *
 * - a track per simulated process: each gets its own pid, named by a `process_name` metadata
 *   event, with one thread;
 * - store calls as complete slices (`ph: "X"`) from issue to answer (the event is logged when
 *   the call settles, `ms` before it was issued), named by operation, key and outcome in args;
 * - instants (`ph: "i"`) for acks, kills, crashes, kill-point firings, failed store calls and the
 *   violation (global scope); other events as thread instants too, so nothing is hidden;
 * - flows (`ph: "s"` → `"t"` → `"f"`) for each acked write: from the client sending it, through
 *   the manifest CAS it was acked behind, to the ack. `write.sent` is a 1 µs slice so the flow
 *   has a slice to start from.
 *
 * Timestamps are simulated microseconds (ms × 1000), `displayTimeUnit: "ms"`.
 */
import type { TraceEvent } from "../sim/trace.ts";
import { isAck, isManifestCas, outcomeClass } from "./trace-viewer.ts";

export interface TraceEventJson {
  name: string;
  ph: "X" | "i" | "M" | "s" | "t" | "f";
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  s?: "t" | "p" | "g";
  id?: number;
  bp?: "e";
  args?: Record<string, unknown>;
}

export interface PerfettoTrace {
  traceEvents: TraceEventJson[];
  displayTimeUnit: "ms";
  otherData: Record<string, string | number>;
}

const US_PER_MS = 1000;

const isFault = (e: TraceEvent) =>
  e.k === "proc.kill" || e.k === "proc.crash" || e.k === "killplan.kill" || e.k === "violation";

export function perfettoTrace(
  events: readonly TraceEvent[],
  about: { scenario: string; seed: number; variant: string | null; traceHash: string },
): PerfettoTrace {
  const pids = new Map<string, number>();
  const out: TraceEventJson[] = [];
  const pidOf = (process: string): number => {
    let pid = pids.get(process);
    if (pid === undefined) {
      pid = pids.size + 1;
      pids.set(process, pid);
      out.push(
        { name: "process_name", ph: "M", ts: 0, pid, tid: 1, args: { name: process } },
        { name: "process_sort_index", ph: "M", ts: 0, pid, tid: 1, args: { sort_index: pid } },
        { name: "thread_name", ph: "M", ts: 0, pid, tid: 1, args: { name: process } },
      );
    }
    return pid;
  };
  const sent = new Map<number, TraceEvent>();
  let lastCas: TraceEvent | null = null;
  let flowId = 0;
  for (const e of events) {
    const pid = pidOf(e.p);
    const ts = e.t * US_PER_MS;
    const args = { ...(e.f ?? {}) };
    if (e.k.startsWith("store.") && e.k !== "store.apply") {
      const ms = typeof e.f?.ms === "number" ? e.f.ms : 0;
      const outcome = outcomeClass(e.f?.outcome);
      const slice: TraceEventJson = {
        name: `${e.k}${isManifestCas(e) ? " (manifest CAS)" : ""}`,
        cat: `store,${outcome}`,
        ph: "X",
        ts: ts - ms * US_PER_MS,
        dur: Math.max(1, ms * US_PER_MS),
        pid,
        tid: 1,
        args,
      };
      out.push(slice);
      if (outcome !== "ok" && outcome !== "notfound" && outcome !== "precondition")
        out.push({
          name: `${e.k} ${String(e.f?.outcome)}`,
          cat: "fault",
          ph: "i",
          s: "t",
          ts,
          pid,
          tid: 1,
          args,
        });
      if (isManifestCas(e)) lastCas = e;
      continue;
    }
    if (e.k === "write.sent" && typeof e.f?.id === "number") {
      sent.set(e.f.id, e);
      out.push({ name: `write.sent ${e.f.id}`, cat: "write", ph: "X", ts, dur: 1, pid, tid: 1, args });
      continue;
    }
    const cat = isAck(e.k) ? "ack" : isFault(e) ? "fault" : e.k.split(".")[0]!;
    out.push({ name: e.k, cat, ph: "i", s: e.k === "violation" ? "g" : "t", ts, pid, tid: 1, args });
    if (isAck(e.k) && typeof e.f?.id === "number") {
      const from = sent.get(e.f.id);
      if (from && lastCas && lastCas.t >= from.t) {
        const id = ++flowId;
        const casMidUs = (lastCas.t - (typeof lastCas.f?.ms === "number" ? lastCas.f.ms : 0) / 2) * US_PER_MS;
        const name = `write ${e.f.id}`;
        out.push(
          { name, cat: "write-flow", ph: "s", id, ts: from.t * US_PER_MS, pid: pidOf(from.p), tid: 1 },
          { name, cat: "write-flow", ph: "t", id, ts: casMidUs, pid: pidOf(lastCas.p), tid: 1 },
          { name, cat: "write-flow", ph: "f", bp: "e", id, ts, pid, tid: 1 },
        );
      }
    }
  }
  return {
    traceEvents: out,
    displayTimeUnit: "ms",
    otherData: {
      tool: "blobsim",
      scenario: about.scenario,
      seed: about.seed,
      variant: about.variant ?? "",
      traceHash: about.traceHash,
    },
  };
}
