/**
 * The events an acked-write-durability verdict rests on, picked from the run's trace so the
 * violation can cite them (and the timeline can highlight them):
 *
 * - the ack: the client's `write.acked` for the lost write (id field);
 * - the manifest CAS it was acked behind: the last successful `store.put` on a manifest key at
 *   or before the ack, and the commit record logged with it (`wal.commit` / `commit.*`);
 * - what came between the ack and the verdict: kills and crashes (`proc.kill`, `proc.crash`,
 *   `killplan.kill`), store calls that failed (5xx, timeouts, ambiguous writes), and later
 *   manifest CASes (one of them may have dropped the write);
 * - the restore whose rows lack the write (`restore.done`), the last one before the verdict.
 *
 * A trace that is not kept in full (a plain `run`) holds only its recent events: whatever of
 * these is still in it is cited, and an ack that fell out of it is simply not there.
 */
import type { TraceEvent } from "../sim/trace.ts";
import type { World } from "../sim/world.ts";
import type { DurabilityProblem } from "./durability.ts";

/** Kills, crashes and faults cited between an ack and the verdict, at most (the nearest the ack). */
const KILLS_AND_FAULTS_MAX = 8;
/** Later manifest CASes cited, at most: in a long soak there are thousands. */
const LATER_CAS_MAX = 4;

const isManifestCas = (e: TraceEvent): boolean =>
  e.k === "store.put" && /manifest/.test(String(e.f?.key ?? "")) && String(e.f?.outcome ?? "ok") === "ok";

const isCommitRecord = (e: TraceEvent): boolean =>
  e.k === "wal.commit" || /^commit\.(acked|done|cas)$/.test(e.k);

const isKillOrFault = (e: TraceEvent): boolean => {
  if (e.k === "proc.kill" || e.k === "proc.crash" || e.k === "killplan.kill")
    return e.f?.reason !== "verified";
  if (!e.k.startsWith("store.") || e.k === "store.apply") return false;
  const outcome = String(e.f?.outcome ?? "ok").toLowerCase();
  return !/^(ok|404|412|429)$/.test(outcome);
};

/** The cited events for the lost write `writeId`, oldest first; empty when its ack is not in `events`. */
export function durabilityEvidence(events: readonly TraceEvent[], writeId: number | null): TraceEvent[] {
  if (writeId === null) return [];
  const ackIndex = events.findIndex((e) => e.k === "write.acked" && e.f?.id === writeId);
  if (ackIndex < 0) return [];
  const ack = events[ackIndex]!;
  const cited = new Set<TraceEvent>([ack]);
  for (let i = ackIndex; i >= 0; i--) {
    const e = events[i]!;
    if (isCommitRecord(e) && e.t === ack.t) cited.add(e);
    if (isManifestCas(e)) {
      cited.add(e);
      break;
    }
  }
  let killsAndFaults = 0;
  let laterCas = 0;
  let lastRestore: TraceEvent | null = null;
  for (let i = ackIndex + 1; i < events.length; i++) {
    const e = events[i]!;
    if (e.k === "violation") break;
    if (e.k === "restore.done") lastRestore = e;
    if (killsAndFaults < KILLS_AND_FAULTS_MAX && isKillOrFault(e)) {
      cited.add(e);
      killsAndFaults++;
    } else if (laterCas < LATER_CAS_MAX && isManifestCas(e)) {
      cited.add(e);
      laterCas++;
    }
  }
  if (lastRestore) cited.add(lastRestore);
  return events.filter((e) => cited.has(e));
}

/** Reports one durability problem as a violation citing the events behind it. */
export function violateDurability(world: World, problem: DurabilityProblem, message: string): void {
  const events =
    problem.invariant === "acked-write-durability"
      ? durabilityEvidence(world.trace.events(), problem.writeId)
      : [];
  world.violate(problem.invariant, message, events);
}
