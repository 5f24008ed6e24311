/**
 * The PGlite database: real Postgres 18 (PGlite 0.5, WASM) behind the engine's Database
 * interface (../database.ts), its data directory on a LocalDisk through a MemfsFrontendFS
 * storage backend (disk-backend.ts).
 *
 * - Rows live in one table with an md5 per row computed by Postgres (the checksum table).
 * - A write is one transaction. PGlite's `transaction()` syncs the file system after BEGIN but
 *   not after COMMIT (electric-sql/pglite#1065, present in 0.5.16): when it resolves, the commit
 *   record may exist only in memory and a crash loses it. The engine therefore syncs explicitly
 *   after COMMIT (`syncToFs()`, which awaits the backend's `apply`) before the write resolves.
 *   The commit step is a seam (`commit`), so the forensic variant PG1065 can put the gap back.
 * - LSNs come from `pg_current_wal_flush_lsn()`; WAL bytes are read from the pg_wal segment
 *   files on the local disk, i.e. only what a crash would keep.
 * - WAL settings live in the data directory (postgresql.auto.conf): no recycled segments
 *   (wal_recycle=off) and a small max_wal_size, so a snapshot after a checkpoint carries one
 *   segment, not a gigabyte of old ones (B01). A seam can leave Postgres's defaults instead.
 * - New databases start from a prebuilt empty data directory handed in by the caller
 *   (fixtures/pglite/empty-datadir.tar.gz in this repo), not from initdb (≈ 4 s).
 */
import { PGlite, type PGliteOptions, type Transaction } from "@electric-sql/pglite";
import { MemfsFrontendFS } from "@electric-sql/pglite/memfs-frontend";
import { assert } from "../../runtime.ts";
import {
  type Database,
  type DatabaseDriver,
  DataDirCorruptError,
  type Lsn,
  type Row,
  type WalFilePosition,
  type WalLayout,
  WalUnavailableError,
} from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";
import { type FlushEvent, LocalDiskBackend, listDataDir, writeDirIndex } from "./disk-backend.ts";
import { formatLsn, parseLsn, WAL_PAGE_BYTES, WAL_SEGMENT_BYTES, walSegmentName } from "./lsn.ts";
import type { DataDirEntry } from "./tar.ts";
import { packDataDir, unpackDataDir } from "./tar-stream.ts";

/** PGlite runs one timeline: no point-in-time recovery forks here. */
const TIMELINE = 1;

export const pgliteWalLayout: WalLayout = {
  segmentBytes: WAL_SEGMENT_BYTES,
  pageBytes: WAL_PAGE_BYTES,
  recordHeaderBytes: 24,
  fileFor(lsn: Lsn): WalFilePosition {
    const fileStartLsn = lsn - (lsn % WAL_SEGMENT_BYTES);
    return { path: `pg_wal/${walSegmentName(TIMELINE, lsn)}`, offset: lsn - fileStartLsn, fileStartLsn };
  },
};

/** WAL settings the engine persists inside the data directory (and so inside snapshots, B01). */
export const ENGINE_WAL_SETTINGS = [
  "wal_recycle = 'off'",
  "min_wal_size = '32MB'",
  "max_wal_size = '64MB'",
] as const;

export interface CommitContext {
  pg: PGlite;
  /** Runs the statements of one write inside a transaction. */
  body: (tx: Transaction) => Promise<void>;
}

export interface PgliteSeams {
  /**
   * Commit one write and resolve when it may be acked. Real: `transaction()` then an explicit
   * `syncToFs()` (pglite#1065). PG1065 variant: resolve when `transaction()` resolves.
   */
  commit(context: CommitContext): Promise<void>;
  /** postgresql.auto.conf lines written into new databases. Real: ENGINE_WAL_SETTINGS. */
  walSettings: readonly string[];
}

export const realPgliteSeams: PgliteSeams = {
  async commit({ pg, body }) {
    await pg.transaction(body);
    // transaction() does not sync after COMMIT (pglite#1065): make the commit record durable
    // on the local disk before anyone is told it happened.
    await pg.syncToFs();
  },
  walSettings: ENGINE_WAL_SETTINGS,
};

export interface PgliteDriverOptions {
  /** The prebuilt empty data directory (unpacked), used by `create`. */
  emptyDataDir: readonly DataDirEntry[];
  /** gzip level of snapshots (0 stores). */
  snapshotGzipLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  seams?: Partial<PgliteSeams>;
  /**
   * Runs PGlite's start-up (wasm instantiation, dynamic imports: real event-loop turns). The
   * simulation passes one that holds its clock meanwhile; production runs it as is.
   */
  startup?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Extra PGlite options (preloaded wasm modules and file-system bundle). */
  pgliteOptions?: Partial<PGliteOptions>;
  /** Told about every flush PGlite hands the disk (statistics, tests). */
  onFlush?: (event: FlushEvent) => void;
}

const TABLE = "kv";
const START_PARAMS = [
  ...PGlite.defaultStartParams,
  // No startup-progress alarm: nothing in a run should depend on a wall-clock timer.
  "-c",
  "log_startup_progress_interval=0",
];

export class PgliteDatabase implements Database {
  readonly layout = pgliteWalLayout;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly pg: PGlite,
    readonly backend: LocalDiskBackend,
    private readonly disk: LocalDisk,
    private readonly dir: string,
    private readonly seams: PgliteSeams,
    private readonly snapshotGzipLevel: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9,
  ) {}

  /** One operation at a time, in call order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("PGlite database is closed");
  }

  writeRows(rows: readonly Row[]): Promise<void> {
    return this.serial(async () => {
      this.checkOpen();
      if (rows.length === 0) return;
      await this.seams.commit({
        pg: this.pg,
        body: async (tx) => {
          for (const row of rows) {
            if (row.value === null) await tx.query(`DELETE FROM ${TABLE} WHERE key = $1`, [row.key]);
            else
              await tx.query(
                `INSERT INTO ${TABLE} (key, value, md5) VALUES ($1, $2::bytea, md5($2::bytea))
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, md5 = excluded.md5`,
                [row.key, row.value],
              );
          }
        },
      });
    });
  }

  readRows(): Promise<Row[]> {
    return this.serial(async () => {
      this.checkOpen();
      const result = await this.pg.query<{ key: string; value: Uint8Array }>(
        `SELECT key, value FROM ${TABLE} ORDER BY key COLLATE "C"`,
      );
      return result.rows.map((row) => ({ key: row.key, value: new Uint8Array(row.value) }));
    });
  }

  /** md5 per row as Postgres computed it at write time, and whether it still matches the value. */
  rowChecksums(): Promise<Array<{ key: string; md5: string; intact: boolean }>> {
    return this.serial(async () => {
      const result = await this.pg.query<{ key: string; md5: string; intact: boolean }>(
        `SELECT key, md5, md5(value) = md5 AS intact FROM ${TABLE} ORDER BY key COLLATE "C"`,
      );
      return result.rows;
    });
  }

  flushLsn(): Promise<Lsn> {
    return this.serial(async () => {
      this.checkOpen();
      return this.queryFlushLsn();
    });
  }

  private async queryFlushLsn(): Promise<Lsn> {
    const result = await this.pg.query<{ lsn: string }>("SELECT pg_current_wal_flush_lsn()::text AS lsn");
    return parseLsn(result.rows[0]!.lsn);
  }

  readWal(start: Lsn, end: Lsn): Promise<Uint8Array> {
    return this.serial(async () => {
      this.checkOpen();
      assert(start <= end, `readWal: start ${start} after end ${end}`);
      const out = new Uint8Array(end - start);
      let lsn = start;
      while (lsn < end) {
        const position = this.layout.fileFor(lsn);
        const take = Math.min(end - lsn, this.layout.segmentBytes - position.offset);
        const bytes = await this.disk.read(joinPath(this.dir, position.path), position.offset, take);
        if (bytes.length !== take)
          throw new WalUnavailableError(
            start,
            end,
            `${position.path} holds ${bytes.length} of ${take} bytes`,
          );
        out.set(bytes, lsn - start);
        lsn += take;
      }
      return out;
    });
  }

  checkpoint(): Promise<Lsn> {
    return this.serial(async () => {
      this.checkOpen();
      // The second checkpoint lets the segments the first one still needed go.
      await this.pg.exec("CHECKPOINT");
      await this.pg.exec("CHECKPOINT");
      return this.queryFlushLsn();
    });
  }

  async *snapshot(): AsyncIterable<Uint8Array> {
    // Packed inside the queue, so no write lands in the files while they are archived; the
    // archive is compressed, and the shipper holds the whole object for its PUT anyway.
    const chunks = await this.serial(async () => {
      this.checkOpen();
      const { dirs, files } = await listDataDir(this.disk, this.dir);
      const entries = [
        ...dirs.map((path) => ({ kind: "dir" as const, path })),
        ...files.map((path) => ({ kind: "file" as const, path })),
      ];
      const packed: Uint8Array[] = [];
      for await (const chunk of packDataDir(this.disk, this.dir, entries, this.snapshotGzipLevel))
        packed.push(chunk);
      return packed;
    });
    yield* chunks;
  }

  /** Bytes of the data directory on the local disk, by area (the B01 size bound). */
  async diskUsage(): Promise<{ walBytes: number; otherBytes: number; walFiles: number }> {
    const { files } = await listDataDir(this.disk, this.dir);
    let walBytes = 0;
    let otherBytes = 0;
    let walFiles = 0;
    for (const path of files) {
      const size = (await this.disk.size(joinPath(this.dir, path))) ?? 0;
      if (/^\/pg_wal\/[0-9A-F]{24}$/.test(path)) {
        walBytes += size;
        walFiles++;
      } else otherBytes += size;
    }
    return { walBytes, otherBytes, walFiles };
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.pg.close();
    });
  }
}

/** Opens PGlite on the data directory `dir` of `disk` (Postgres runs crash recovery if needed). */
async function openPglite(
  disk: LocalDisk,
  dir: string,
  seams: PgliteSeams,
  options: PgliteDriverOptions,
): Promise<PgliteDatabase> {
  if ((await disk.readFile(joinPath(dir, "PG_VERSION"))) === null)
    // PGlite would silently run initdb over it: refuse instead.
    throw new DataDirCorruptError(dir, "PG_VERSION is missing: not a Postgres data directory");
  const backend = new LocalDiskBackend(disk, dir, options.onFlush);
  const start = () =>
    PGlite.create({ ...options.pgliteOptions, fs: new MemfsFrontendFS(backend), startParams: START_PARAMS });
  const pg = await (options.startup ? options.startup(start) : start());
  return new PgliteDatabase(pg, backend, disk, dir, seams, options.snapshotGzipLevel ?? 1);
}

export function pgliteDatabaseDriver(options: PgliteDriverOptions): DatabaseDriver {
  const seams: PgliteSeams = { ...realPgliteSeams, ...options.seams };
  return {
    kind: "pglite",
    layout: pgliteWalLayout,
    async create(disk, dir) {
      await disk.remove(dir);
      const dirs: string[] = [];
      for (const entry of options.emptyDataDir) {
        if (entry.kind === "dir") dirs.push(entry.path);
        else await disk.writeFile(joinPath(dir, entry.path), entry.data);
      }
      const settings = `# written by the engine: WAL settings travel with the data directory\n${seams.walSettings.join("\n")}\n`;
      await disk.writeFile(joinPath(dir, "postgresql.auto.conf"), new TextEncoder().encode(settings));
      await writeDirIndex(disk, dir, dirs);
      const db = await openPglite(disk, dir, seams, options);
      await db.pg.exec(
        `CREATE TABLE ${TABLE} (key text PRIMARY KEY COLLATE "C", value bytea NOT NULL, md5 text NOT NULL)`,
      );
      return db;
    },
    async unpackSnapshot(chunks, disk, dir) {
      await disk.remove(dir);
      const unpacked = await unpackDataDir(chunks, disk, dir);
      await writeDirIndex(disk, dir, unpacked.dirs);
    },
    open: (disk, dir) => openPglite(disk, dir, seams, options),
  };
}

export { formatLsn };
