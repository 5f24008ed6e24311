/**
 * The two tables retention works on, as injected interfaces: the ops log (ordered by op ID) and
 * the cursor table (one row per host; shared with other workers, so a row may hold anything).
 * memory-storage.ts implements both in memory; a database or object-store backed implementation
 * only has to keep the same contracts.
 */

export interface Op {
  /** Op ID (op-id.ts); strictly increasing in append order. */
  id: string;
  /** The tracked table the op belongs to. */
  table: string;
  body: string;
}

/** What one consistent read of the log returns to a sweeping peer. */
export interface SweepSnapshot {
  /** The highest ID ever pruned (everything at or below it is gone), or null if none. */
  prunedThroughId: string | null;
  /** Up to `limit` ops with IDs above `after`, ascending. */
  ops: Op[];
}

export interface OpsLog {
  /** Appends an op whose ID sorts after every op appended before (OpOrderError otherwise). */
  append(op: Op): Promise<void>;
  /** The prune watermark and the body, read from one consistent snapshot. */
  snapshot(after: string | null, limit: number): Promise<SweepSnapshot>;
  /** The prune watermark alone (a separate read). */
  prunedThroughId(): Promise<string | null>;
  /** Ops above `after` alone (a separate read). */
  readAfter(after: string | null, limit: number): Promise<Op[]>;
  /**
   * Physically removes up to `limit` of the oldest ops with IDs below `cutoffId` and raises the
   * watermark to the highest removed. Returns how many were removed.
   */
  deleteBelow(cutoffId: string, limit: number): Promise<number>;
  /** Space actually held (rows and body bytes), not merely visible. */
  physicalSize(): Promise<{ rows: number; bytes: number }>;
}

/** A gap the sweeping peer crossed: ops in (fromId, throughId] were pruned before it read them. */
export interface GapMark {
  fromId: string | null;
  throughId: string;
}

export interface CursorValue {
  /** Usually an op ID; other workers sharing the table may store anything here. */
  lastId: string;
  /** Present when the write that set `lastId` crossed a retention gap. */
  gap?: GapMark;
}

export interface CursorRow extends CursorValue {
  host: string;
  /** Opaque token that changes on every write; used for conditional writes. */
  version: string;
}

export interface CursorPrecondition {
  /** The version read before, or null for "the row must not exist". */
  ifVersion: string | null;
}

export interface CursorTable {
  get(host: string): Promise<CursorRow | null>;
  list(): Promise<CursorRow[]>;
  /** Writes the row; with a precondition, CursorConflictError if the row changed. */
  put(host: string, value: CursorValue, precondition?: CursorPrecondition): Promise<string>;
}
