/**
 * What the harness records beside the engine, for invariants/read-replica.ts, without trusting
 * the engine's own account:
 *
 * - `recordingDriver`: wraps a writer's database so each applied write is logged, in WAL order,
 *   with the flush LSN right after it (writes and checkpoints are serialized by the wrapper, so
 *   no other operation can move the LSN in between);
 * - `manifestCapture`: wraps a writer's store client so every manifest it tries to write is
 *   kept by (writerId, commitSeq); the store's history then says which of them applied, when;
 * - `replicaClient`: wraps a replica's store client to log every call (issue and answer times,
 *   ok or not) and to inject outages: inside a window every call fails with a 503 after a short
 *   delay (the replica cut off from the store; the writer is not).
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { TransientError } from "../../engine/blobstore/errors.ts";
import type { Database, DatabaseDriver, Row } from "../../engine/db/database.ts";
import { decodeManifest, type Manifest } from "../../engine/manifest/manifest.ts";
import type { StoreMutation } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { AppliedWrite, ManifestCommit, ReplicaStoreCall } from "../../invariants/read-replica.ts";

export class ReplicaHistory {
  /** Applied writes per writer (process name = writerId). */
  readonly writes = new Map<string, AppliedWrite[]>();
  /** Manifests writers tried to write, by `${writerId}:${commitSeq}`. */
  readonly attempted = new Map<string, Manifest>();
  readonly calls: ReplicaStoreCall[] = [];

  /** The manifest commits in apply order, or the first mutation no attempt explains. */
  commits(history: readonly StoreMutation[], manifestKey: string): ManifestCommit[] | string {
    const commits: ManifestCommit[] = [];
    for (const mutation of history) {
      if (mutation.key !== manifestKey) continue;
      if (mutation.op !== "put")
        return `manifest ${mutation.op} by ${mutation.process} at ${mutation.atMs} ms`;
      const manifest = this.attempted.get(`${mutation.process}:${commits.length + 1}`);
      if (!manifest)
        return `manifest write #${commits.length + 1} by ${mutation.process} at ${mutation.atMs} ms matches no attempt`;
      commits.push({ atMs: mutation.atMs, manifest });
    }
    return commits;
  }
}

class RecordingDatabase implements Database {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inner: Database,
    private readonly log: AppliedWrite[],
  ) {}

  get layout() {
    return this.inner.layout;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  writeRows(rows: readonly Row[]): Promise<void> {
    return this.serial(async () => {
      await this.inner.writeRows(rows);
      if (rows.length > 0) this.log.push({ rows: [...rows], postLsn: await this.inner.flushLsn() });
    });
  }

  checkpoint() {
    return this.serial(() => this.inner.checkpoint());
  }

  readRows() {
    return this.inner.readRows();
  }

  flushLsn() {
    return this.inner.flushLsn();
  }

  readWal(start: number, end: number) {
    return this.inner.readWal(start, end);
  }

  snapshot() {
    return this.inner.snapshot();
  }

  close() {
    return this.inner.close();
  }
}

export function recordingDriver(
  inner: DatabaseDriver,
  writer: string,
  history: ReplicaHistory,
): DatabaseDriver {
  const log = history.writes.get(writer) ?? [];
  history.writes.set(writer, log);
  return {
    kind: inner.kind,
    layout: inner.layout,
    create: async (disk, dir) => new RecordingDatabase(await inner.create(disk, dir), log),
    unpackSnapshot: (chunks, disk, dir) => inner.unpackSnapshot(chunks, disk, dir),
    open: async (disk, dir) => new RecordingDatabase(await inner.open(disk, dir), log),
  };
}

export function manifestCapture(inner: BlobStore, manifestKey: string, history: ReplicaHistory): BlobStore {
  return {
    get: (key, options) => inner.get(key, options),
    head: (key) => inner.head(key),
    list: (prefix, options) => inner.list(prefix, options),
    delete: (key, options) => inner.delete(key, options),
    put(key, bytes, options) {
      if (key === manifestKey) {
        const manifest = decodeManifest(bytes, key);
        history.attempted.set(`${manifest.writerId}:${manifest.commitSeq}`, manifest);
      }
      return inner.put(key, bytes, options);
    },
  };
}

export interface Outage {
  fromMs: number;
  toMs: number;
}

export function replicaClient(
  world: World,
  process: SimProcess,
  inner: BlobStore,
  outages: readonly Outage[],
  history: ReplicaHistory,
): BlobStore {
  const call = <T>(op: string, key: string, work: () => Promise<T>): Promise<T> => {
    const record: ReplicaStoreCall = {
      replica: process.name,
      op,
      key,
      issuedAtMs: world.nowMs,
      answeredAtMs: null,
      ok: false,
    };
    history.calls.push(record);
    const cutOff = outages.some((outage) => world.nowMs >= outage.fromMs && world.nowMs < outage.toMs);
    const answer = cutOff
      ? process.sleep(20).then(() => {
          throw new TransientError(`503: replica ${process.name} cut off from the store`, key);
        })
      : work();
    return answer.then(
      (value) => {
        record.answeredAtMs = world.nowMs;
        record.ok = true;
        return value;
      },
      (error: unknown) => {
        record.answeredAtMs = world.nowMs;
        throw error;
      },
    );
  };
  return {
    get: (key, options) => call("get", key, () => inner.get(key, options)),
    head: (key) => call("head", key, () => inner.head(key)),
    list: (prefix, options) => call("list", prefix, () => inner.list(prefix, options)),
    delete: (key, options) => call("delete", key, () => inner.delete(key, options)),
    put: (key, bytes, options) => call("put", key, () => inner.put(key, bytes, options)),
  };
}
