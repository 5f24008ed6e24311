/**
 * A simulated replica of the replication engine: a base image (pages as of baseLsn) plus a
 * contiguous WAL (baseLsn, flushedLsn], answering the primary's messages. The scenarios compare
 * its pages byte for byte with the primary's state after every recovery.
 *
 * Fault model: it answers whatever the network delivers, in delivery order, so it sees
 * duplicates, reordering and stale traffic. It fences on (epoch, sessionId): traffic from an
 * older epoch or an older session of the same epoch is refused. Within a session a duplicate
 * truncate is a no-op and base chunks are accepted strictly in order. Installing a snapshot
 * sets flushedLsn to the snapshot LSN as soon as its first chunk lands (the header names it),
 * so a tail replayed over a half-installed base leaves pages missing: that is the hazard the
 * rebuild gate exists for. A later session's handshake discards a half-installed base. The process running it may be paused (a stall) by the scenario.
 */
import type { SimProcess } from "./process.ts";

export interface WalEntry {
  readonly lsn: number;
  readonly page: number;
  readonly bytes: Uint8Array;
}

export type ReplicaRequest =
  | { op: "handshake"; epoch: number; sessionId: number }
  | { op: "stream"; epoch: number; sessionId: number; entries: readonly WalEntry[] }
  | { op: "truncate"; epoch: number; sessionId: number; toLsn: number }
  | {
      op: "base";
      epoch: number;
      sessionId: number;
      baseLsn: number;
      index: number;
      /** Chunks in the whole base: the install is complete once all landed. */
      count: number;
      entries: readonly WalEntry[];
    };

export type ReplicaReply =
  | { ok: true; flushedLsn: number; baseChunks: number }
  | {
      ok: false;
      refused: "stale_epoch" | "stale_session" | "cannot_truncate_below_base" | "base_out_of_order";
    };

/** The (epoch, session) a replica has accepted traffic from, or is offered traffic by. */
export interface FenceMark {
  readonly epoch: number;
  readonly sessionId: number;
}

/**
 * The replica's fence decision: refuse `incoming` against the highest mark accepted so far, or
 * accept it (null; the mark then moves to `incoming`). Replaceable so a forensic variant can put
 * a broken fence back (fixtures/forensic); the default is the design's.
 */
export type ReplicaFence = (
  current: FenceMark,
  incoming: FenceMark,
) => "stale_epoch" | "stale_session" | null;

/** Older epochs are refused whole; within an epoch, older sessions are. */
export const fenceByEpochThenSession: ReplicaFence = (current, incoming) => {
  if (incoming.epoch < current.epoch) return "stale_epoch";
  if (incoming.epoch === current.epoch && incoming.sessionId < current.sessionId) return "stale_session";
  return null;
};

export class SimReplica {
  private basePages = new Map<number, Uint8Array>();
  private baseLsn = 0;
  private log: WalEntry[] = [];
  private fenceEpoch = 0;
  private fenceSession = 0;
  /**
   * Per-session state keys on (epoch, session): a restarted primary engine numbers its sessions
   * from 1 again under a new epoch, and its session 4 is not the dead engine's session 4.
   */
  private truncatedInSession = "";
  private baseSession = "";
  private baseChunks = 0;
  private baseComplete = true;
  /** Every applied mutation with the (epoch, session) that caused it, for the checkers. */
  readonly mutations: Array<{ epoch: number; sessionId: number; op: string }> = [];

  constructor(
    readonly name: string,
    private currentProcess: SimProcess,
    private readonly fenceRule: ReplicaFence = fenceByEpochThenSession,
  ) {}

  /** The process running the replica; replaced by a restart. */
  get process(): SimProcess {
    return this.currentProcess;
  }

  /**
   * Restarts on a new process after a kill. Everything the replica holds is durable (its base,
   * its WAL, its fence mark), so it comes back as it died; only in-flight answers are lost.
   */
  restartOn(process: SimProcess): void {
    this.currentProcess = process;
  }

  /** The highest (epoch, session) this replica accepted traffic from. */
  get fenceMark(): FenceMark {
    return { epoch: this.fenceEpoch, sessionId: this.fenceSession };
  }

  get flushedLsn(): number {
    return this.log.length > 0 ? this.log[this.log.length - 1]!.lsn : this.baseLsn;
  }

  /** Seeds the replica with a contiguous history from LSN 1 (setup only). */
  preload(entries: readonly WalEntry[]): void {
    for (const entry of entries) {
      if (entry.lsn !== this.flushedLsn + 1) throw new Error(`preload not contiguous at ${entry.lsn}`);
      this.log.push(entry);
    }
  }

  /** The first LSN above `fromLsn` where this replica holds an entry the lineage does not, or null. */
  firstDivergentLsn(fromLsn: number, lineage: (lsn: number) => WalEntry | undefined): number | null {
    for (let i = this.log.length - 1; i >= 0 && this.log[i]!.lsn > fromLsn; i--) {
      // walk back to the first entry above fromLsn, then forward
      if (i === 0 || this.log[i - 1]!.lsn <= fromLsn) {
        for (let j = i; j < this.log.length; j++) {
          const mine = this.log[j]!;
          const theirs = lineage(mine.lsn);
          if (!theirs || theirs.page !== mine.page || theirs.bytes !== mine.bytes) return mine.lsn;
        }
        return null;
      }
    }
    return null;
  }

  /** The replica's pages: base image overlaid with its WAL. */
  pages(): Map<number, Uint8Array> {
    const pages = new Map(this.basePages);
    for (const entry of this.log) pages.set(entry.page, entry.bytes);
    return pages;
  }

  handle(request: ReplicaRequest): ReplicaReply {
    const session = `${request.epoch}/${request.sessionId}`;
    const refused = this.fence(request.epoch, request.sessionId);
    if (refused) return { ok: false, refused };
    switch (request.op) {
      case "handshake":
        // A base left half-installed by an earlier session is garbage: start from nothing.
        if (!this.baseComplete && this.baseSession !== session) {
          this.basePages = new Map();
          this.baseLsn = 0;
          this.log = [];
          this.baseComplete = true;
          this.mutations.push({
            epoch: request.epoch,
            sessionId: request.sessionId,
            op: "discard-partial-base",
          });
        }
        break;
      case "stream":
        for (const entry of request.entries) {
          if (entry.lsn <= this.flushedLsn) continue;
          if (entry.lsn !== this.flushedLsn + 1) break;
          this.log.push(entry);
          this.mutations.push({ epoch: request.epoch, sessionId: request.sessionId, op: "apply" });
        }
        break;
      case "truncate":
        if (this.truncatedInSession === session) break;
        if (request.toLsn < this.baseLsn) return { ok: false, refused: "cannot_truncate_below_base" };
        this.log = this.log.filter((entry) => entry.lsn <= request.toLsn);
        this.truncatedInSession = session;
        this.mutations.push({ epoch: request.epoch, sessionId: request.sessionId, op: "truncate" });
        break;
      case "base":
        if (request.index === 0 && this.baseSession !== session) {
          this.basePages = new Map();
          this.baseLsn = request.baseLsn;
          this.log = [];
          this.baseSession = session;
          this.baseChunks = 0;
          this.baseComplete = false;
        }
        if (this.baseSession !== session) return { ok: false, refused: "base_out_of_order" };
        if (request.index === this.baseChunks) {
          for (const entry of request.entries) this.basePages.set(entry.page, entry.bytes);
          this.baseChunks++;
          if (this.baseChunks === request.count) this.baseComplete = true;
          this.mutations.push({ epoch: request.epoch, sessionId: request.sessionId, op: "base" });
        }
        break;
    }
    return {
      ok: true,
      flushedLsn: this.flushedLsn,
      baseChunks: this.baseSession === session ? this.baseChunks : 0,
    };
  }

  private fence(epoch: number, sessionId: number): "stale_epoch" | "stale_session" | null {
    const refused = this.fenceRule(this.fenceMark, { epoch, sessionId });
    if (refused) return refused;
    this.fenceEpoch = epoch;
    this.fenceSession = sessionId;
    return null;
  }
}
