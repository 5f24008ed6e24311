/**
 * In-memory implementations of the ops log and the cursor table. Every method does its work
 * synchronously when called (the returned promise is already settled), so a single call is a
 * consistent snapshot, and deletions really free the rows: nothing is merely hidden.
 */
import { CursorConflictError, OpOrderError } from "./errors.ts";
import type {
  CursorPrecondition,
  CursorRow,
  CursorTable,
  CursorValue,
  Op,
  OpsLog,
  SweepSnapshot,
} from "./storage.ts";

export class MemoryOpsLog implements OpsLog {
  private ops: Op[] = [];
  private watermark: string | null = null;
  private bytes = 0;

  async append(op: Op): Promise<void> {
    const newest = this.ops.at(-1)?.id ?? this.watermark;
    if (newest !== null && !(op.id > newest)) throw new OpOrderError(op.id, newest);
    this.ops.push({ ...op });
    this.bytes += op.body.length;
  }

  async snapshot(after: string | null, limit: number): Promise<SweepSnapshot> {
    return { prunedThroughId: this.watermark, ops: this.readAfterNow(after, limit) };
  }

  async prunedThroughId(): Promise<string | null> {
    return this.watermark;
  }

  async readAfter(after: string | null, limit: number): Promise<Op[]> {
    return this.readAfterNow(after, limit);
  }

  async deleteBelow(cutoffId: string, limit: number): Promise<number> {
    const count = this.countBelow(cutoffId, limit);
    if (count === 0) return 0;
    const removed = this.ops.splice(0, count);
    for (const op of removed) this.bytes -= op.body.length;
    this.watermark = removed.at(-1)!.id;
    return count;
  }

  async physicalSize(): Promise<{ rows: number; bytes: number }> {
    return { rows: this.ops.length, bytes: this.bytes };
  }

  /** The IDs `deleteBelow(cutoffId, limit)` would remove now (for observers; no side effect). */
  peekBelow(cutoffId: string, limit: number): string[] {
    return this.ops.slice(0, this.countBelow(cutoffId, limit)).map((op) => op.id);
  }

  private countBelow(cutoffId: string, limit: number): number {
    let count = 0;
    while (count < limit && count < this.ops.length && this.ops[count]!.id < cutoffId) count++;
    return count;
  }

  private readAfterNow(after: string | null, limit: number): Op[] {
    // Binary search for the first op above `after`: the log is sorted by ID.
    let low = 0;
    let high = this.ops.length;
    if (after !== null) {
      while (low < high) {
        const mid = (low + high) >> 1;
        if (this.ops[mid]!.id <= after) low = mid + 1;
        else high = mid;
      }
    }
    return this.ops.slice(low, low + Math.max(0, limit)).map((op) => ({ ...op }));
  }
}

export class MemoryCursorTable implements CursorTable {
  private readonly rows = new Map<string, CursorRow>();
  private nextVersion = 1;

  async get(host: string): Promise<CursorRow | null> {
    const row = this.rows.get(host);
    return row ? copyRow(row) : null;
  }

  async list(): Promise<CursorRow[]> {
    return [...this.rows.values()].sort((a, b) => (a.host < b.host ? -1 : 1)).map(copyRow);
  }

  async put(host: string, value: CursorValue, precondition?: CursorPrecondition): Promise<string> {
    const current = this.rows.get(host);
    if (precondition) {
      const currentVersion = current?.version ?? null;
      if (currentVersion !== precondition.ifVersion) throw new CursorConflictError(host);
    }
    const version = String(this.nextVersion++);
    const row: CursorRow = { host, lastId: value.lastId, version };
    if (value.gap) row.gap = { ...value.gap };
    this.rows.set(host, row);
    return version;
  }
}

function copyRow(row: CursorRow): CursorRow {
  return row.gap ? { ...row, gap: { ...row.gap } } : { ...row };
}
