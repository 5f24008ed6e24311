/**
 * The recovery log: an append-only record of every transition and rejection, each with its
 * cause (REP-5). Entries are frozen once appended; observers (status pages, checkers) subscribe.
 */
import type { Clock } from "../runtime.ts";

export type LogValue = string | number | boolean | null;

export interface RecoveryLogEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly replicaId: string;
  /** 0 when the event concerns no session. */
  readonly sessionId: number;
  readonly event: string;
  /** Why it happened; never empty. */
  readonly cause: string;
  readonly fields: Readonly<Record<string, LogValue>>;
}

export class RecoveryLog {
  private readonly list: RecoveryLogEntry[] = [];
  private readonly observers: Array<(entry: RecoveryLogEntry) => void> = [];

  constructor(private readonly clock: Clock) {}

  record(
    replicaId: string,
    sessionId: number,
    event: string,
    cause: string,
    fields: Record<string, LogValue> = {},
  ): RecoveryLogEntry {
    const entry: RecoveryLogEntry = Object.freeze({
      seq: this.list.length,
      atMs: this.clock.nowMs(),
      replicaId,
      sessionId,
      event,
      cause: cause === "" ? "unspecified" : cause,
      fields: Object.freeze({ ...fields }),
    });
    this.list.push(entry);
    for (const observe of this.observers) observe(entry);
    return entry;
  }

  get entries(): readonly RecoveryLogEntry[] {
    return this.list;
  }

  forReplica(replicaId: string): RecoveryLogEntry[] {
    return this.list.filter((entry) => entry.replicaId === replicaId);
  }

  subscribe(observe: (entry: RecoveryLogEntry) => void): void {
    this.observers.push(observe);
  }
}
