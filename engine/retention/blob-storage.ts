/**
 * The ops log and the cursor table kept in an object store (the BlobStore seam), so retention
 * frees real objects. Layout under a prefix:
 *   ops/<opId>         one object per op (JSON {table, body}); written create-if-absent
 *   meta/watermark     the highest pruned op ID (JSON), written before any object is deleted
 *   cursors/<host>     one object per cursor row (JSON {lastId, gap?}); the version token is the
 *                      object's, so conditional writes map onto ifMatch / ifNoneMatch
 * A consistent snapshot is read optimistically: watermark, then the body, then the watermark
 * again; a prune raises the watermark before it deletes anything, so an unchanged watermark
 * proves no op above it vanished in between (otherwise the read is retried).
 */
import { type BlobStore, listAll } from "../blobstore/blob-store.ts";
import { NotFoundError, PreconditionFailedError, RateLimitedError } from "../blobstore/errors.ts";
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

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const SNAPSHOT_ATTEMPTS_MAX = 8;

export class SnapshotContentionError extends Error {
  override name = "SnapshotContentionError";
}

/** The two steps of one prune batch, handed to BlobOpsLogSeams.prune to order. */
export interface PruneSteps {
  /**
   * Writes the watermark up to the highest victim (skipped if it already stands there). False
   * when the store refused the write for now (429: the watermark is one object, and GCS allows
   * about one mutation of an object a second); then nothing may be deleted in this batch.
   */
  raiseWatermark(): Promise<boolean>;
  /** Deletes the victims' objects (an object already gone is fine). */
  deleteVictims(): Promise<void>;
}

/** The replaceable part of the object-store ops log; the default is the fix. */
export interface BlobOpsLogSeams {
  /**
   * Orders one prune batch. The fix raises the watermark before any delete: a snapshot whose
   * watermark did not move between its two reads then proves no op above it vanished.
   */
  prune(steps: PruneSteps): Promise<boolean>;
}

export const defaultBlobOpsLogSeams: BlobOpsLogSeams = {
  async prune(steps) {
    if (!(await steps.raiseWatermark())) return false;
    await steps.deleteVictims();
    return true;
  },
};

export class BlobOpsLog implements OpsLog {
  private newestId: string | null | undefined;
  private readonly seams: BlobOpsLogSeams;

  constructor(
    private readonly store: BlobStore,
    private readonly prefix: string,
    seams: Partial<BlobOpsLogSeams> = {},
  ) {
    this.seams = { ...defaultBlobOpsLogSeams, ...seams };
  }

  private opKey(id: string): string {
    return `${this.prefix}ops/${id}`;
  }

  private get watermarkKey(): string {
    return `${this.prefix}meta/watermark`;
  }

  async append(op: Op): Promise<void> {
    if (this.newestId === undefined) {
      const ids = await this.listIds();
      this.newestId = ids.at(-1) ?? (await this.prunedThroughId());
    }
    if (this.newestId !== null && !(op.id > this.newestId)) throw new OpOrderError(op.id, this.newestId);
    try {
      await this.store.put(this.opKey(op.id), json({ table: op.table, body: op.body }), {
        ifNoneMatch: true,
      });
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw new OpOrderError(op.id, op.id);
      throw error;
    }
    this.newestId = op.id;
  }

  async prunedThroughId(): Promise<string | null> {
    const object = await this.store.get(this.watermarkKey);
    return object ? (JSON.parse(decoder.decode(object.bytes)) as string) : null;
  }

  async readAfter(after: string | null, limit: number): Promise<Op[]> {
    const ops: Op[] = [];
    for (const id of await this.listIds()) {
      if (ops.length >= limit) break;
      if (after !== null && id <= after) continue;
      const object = await this.store.get(this.opKey(id));
      if (!object) continue; // pruned while we listed
      const stored = JSON.parse(decoder.decode(object.bytes)) as { table: string; body: string };
      ops.push({ id, table: stored.table, body: stored.body });
    }
    return ops;
  }

  async snapshot(after: string | null, limit: number): Promise<SweepSnapshot> {
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS_MAX; attempt++) {
      const before = await this.prunedThroughId();
      const low = before !== null && (after === null || before > after) ? before : after;
      const ops = await this.readAfter(low, limit);
      if ((await this.prunedThroughId()) === before) return { prunedThroughId: before, ops };
    }
    throw new SnapshotContentionError(
      `no stable snapshot of ${this.prefix} in ${SNAPSHOT_ATTEMPTS_MAX} attempts`,
    );
  }

  async deleteBelow(cutoffId: string, limit: number): Promise<number> {
    const victims = (await this.listIds()).filter((id) => id < cutoffId).slice(0, limit);
    if (victims.length === 0) return 0;
    const highest = victims.at(-1)!;
    const pruned = await this.seams.prune({
      raiseWatermark: async () => {
        const current = await this.prunedThroughId();
        if (current !== null && !(highest > current)) return true;
        try {
          await this.store.put(this.watermarkKey, json(highest));
          return true;
        } catch (error) {
          if (error instanceof RateLimitedError) return false; // the next tick carries on
          throw error;
        }
      },
      deleteVictims: async () => {
        for (const id of victims) {
          try {
            await this.store.delete(this.opKey(id));
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
          }
        }
      },
    });
    return pruned ? victims.length : 0;
  }

  async physicalSize(): Promise<{ rows: number; bytes: number }> {
    let rows = 0;
    let bytes = 0;
    for await (const entry of listAll(this.store, `${this.prefix}ops/`)) {
      rows++;
      bytes += entry.size;
    }
    return { rows, bytes };
  }

  private async listIds(): Promise<string[]> {
    const ids: string[] = [];
    const start = `${this.prefix}ops/`.length;
    for await (const entry of listAll(this.store, `${this.prefix}ops/`)) ids.push(entry.key.slice(start));
    return ids; // list order is key order, which is op ID order
  }
}

export class BlobCursorTable implements CursorTable {
  constructor(
    private readonly store: BlobStore,
    private readonly prefix: string,
  ) {}

  private key(host: string): string {
    return `${this.prefix}cursors/${encodeURIComponent(host)}`;
  }

  async get(host: string): Promise<CursorRow | null> {
    const object = await this.store.get(this.key(host));
    if (!object) return null;
    const value = JSON.parse(decoder.decode(object.bytes)) as CursorValue;
    return { ...value, host, version: object.version };
  }

  async list(): Promise<CursorRow[]> {
    const rows: CursorRow[] = [];
    const start = `${this.prefix}cursors/`.length;
    for await (const entry of listAll(this.store, `${this.prefix}cursors/`)) {
      const row = await this.get(decodeURIComponent(entry.key.slice(start)));
      if (row) rows.push(row);
    }
    return rows;
  }

  async put(host: string, value: CursorValue, precondition?: CursorPrecondition): Promise<string> {
    const bytes = json(value.gap ? { lastId: value.lastId, gap: value.gap } : { lastId: value.lastId });
    const key = this.key(host);
    try {
      if (!precondition) return await this.store.put(key, bytes);
      if (precondition.ifVersion === null) return await this.store.put(key, bytes, { ifNoneMatch: true });
      return await this.store.put(key, bytes, { ifMatch: precondition.ifVersion });
    } catch (error) {
      if (error instanceof PreconditionFailedError || error instanceof NotFoundError) {
        throw new CursorConflictError(host);
      }
      throw error;
    }
  }
}
