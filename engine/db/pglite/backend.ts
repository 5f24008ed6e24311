/**
 * The storage backend under PGlite's MEMFS frontend. PGlite awaits `apply(changeSet)` after
 * every statement that is not inside a `transaction()` (and on explicit `syncToFs()`); what
 * `apply` has received is what survives a crash of the instance — the local disk. The backend
 * keeps that image as a DataDir, tells a listener about every flush (so the engine can see WAL
 * bytes become durable locally), and serves the image back through `load()` when a PGlite
 * instance opens on it.
 */
import type { ChangeSet, StorageBackend, StorageEntry } from "@electric-sql/pglite/memfs-frontend";
import { DataDir } from "./data-dir.ts";

export interface FlushListener {
  /** Called before the flush lands in the image; a throw fails the flush (PGlite retries it). */
  (changes: ChangeSet): Promise<void> | void;
}

export class DataDirBackend implements StorageBackend {
  /** Number of flushes applied (a statement's sync, or an explicit sync). */
  flushes = 0;
  /** Bytes of WAL received through flushes. */
  walBytesFlushed = 0;
  private listener: FlushListener | undefined;

  constructor(
    /** The local disk: what a crash leaves. */
    readonly image: DataDir,
  ) {}

  onFlush(listener: FlushListener | undefined): void {
    this.listener = listener;
  }

  async init(): Promise<void> {}

  async *load(): AsyncIterable<StorageEntry> {
    for (const entry of this.image.entries()) {
      // PGlite takes ownership of file buffers (canOwn); hand it copies so the image stays ours.
      yield entry.kind === "dir" ? entry : { kind: "file", path: entry.path, data: entry.data.slice() };
    }
  }

  async apply(changes: ChangeSet): Promise<void> {
    if (this.listener) await this.listener(changes);
    this.image.apply(changes);
    this.flushes++;
    for (const write of changes.files.wal)
      for (const chunk of write.chunks) this.walBytesFlushed += chunk.data.length;
  }

  async close(): Promise<void> {}
}
