/**
 * The Database interface: what the WAL shipper (engine/wal) and the restorer (engine/restore)
 * need from a database, and nothing more. Two implementations fit it:
 *
 * - the model database (engine/db/model): deterministic and fast, keyed rows in pages, an
 *   LSN-ordered WAL in preallocated fixed-size segment files on the instance's local disk,
 *   page-granular replay; it runs in the inner loop of thousands of seeds;
 * - the PGlite database (engine/db/pglite*): real Postgres in WASM. Its data directory is the
 *   PGlite file system (a MemfsFrontendFS backend whose `apply(changeSet)` is awaited before a
 *   query resolves), its WAL the 16 MB pg_wal segment files, its flush LSN
 *   `pg_current_wal_flush_lsn()`.
 *
 * LSNs are byte positions in one WAL stream, as plain safe integers (Postgres LSNs are 64-bit,
 * but no database this engine serves comes near 2^53 bytes of WAL). They map onto WAL files
 * through `WalLayout`. Everything here is async because PGlite is.
 *
 * Facts the shipper relies on (and the model reproduces, because they caused real bugs):
 * - WAL files are preallocated at full size and recycled (overwritten): a file's size says
 *   nothing about its content (B07). Ship LSN ranges read at `flushLsn()`, never size diffs.
 * - Replay reads WAL files page by page; a short page (file ends mid-page) means "end of WAL"
 *   (B12). A restorer must extend every WAL file it writes to `segmentBytes`.
 * - At the end of a writer's life the last flush LSN can lie one record header (24 bytes)
 *   past the last replayable record (B13): a successor's cluster starts behind the previous
 *   life's last shipped LSN, so WAL ranges must never be chained across lives.
 */
import type { LocalDisk } from "./local-disk.ts";

/** A byte position in the WAL stream. */
export type Lsn = number;

/** Where WAL bytes live on disk. Pure arithmetic: the same for writer and restorer. */
export interface WalLayout {
  /** Every WAL file has exactly this size (Postgres: wal_segment_size, 16 MB by default). */
  readonly segmentBytes: number;
  /** Replay reads WAL in pages of this size (Postgres: XLOG_BLCKSZ, 8 KB). */
  readonly pageBytes: number;
  /** Size of one WAL record header (Postgres: sizeof(XLogRecord), 24 bytes). */
  readonly recordHeaderBytes: number;
  /** The WAL file holding `lsn`, relative to the data directory (pg_wal/0000000100…). */
  fileFor(lsn: Lsn): WalFilePosition;
}

export interface WalFilePosition {
  /** Path of the WAL file relative to the data directory. */
  path: string;
  /** Offset of `lsn` inside that file. */
  offset: number;
  /** LSN of the file's first byte (a multiple of segmentBytes). */
  fileStartLsn: Lsn;
}

/** One keyed row. The workload stores an md5 of the value beside it (the checksum table). */
export interface Row {
  key: string;
  /** Absent value means "delete the row". */
  value: Uint8Array | null;
}

/**
 * A running database instance on the local disk. The engine never looks inside its files except
 * through these methods and the WAL layout.
 */
export interface Database {
  readonly layout: WalLayout;

  /**
   * Apply the rows as one transaction and resolve once its WAL is written to the local WAL files
   * and `flushLsn()` covers it. Durable locally only: nothing is in the object store yet.
   * Model: appends one record per row plus a commit record. PGlite: an upsert into the keyed
   * table through `exec('begin; …; commit;')` (not `transaction()`, which syncs after BEGIN and
   * not after COMMIT: pglite#1065), after which MemfsFrontendFS `apply` has run.
   */
  writeRows(rows: readonly Row[]): Promise<void>;

  /** Every live row, sorted by key (the byte-identical-reopen oracle). */
  readRows(): Promise<Row[]>;

  /**
   * The LSN up to which WAL is written to the local files: the end of the range the next commit
   * may ship. Model: end of the last record written, possibly plus one dangling record header
   * (B13). PGlite: `pg_current_wal_flush_lsn()`.
   */
  flushLsn(): Promise<Lsn>;

  /**
   * The WAL bytes [start, end) as they are in the local WAL files right now. Rejects with
   * WalUnavailableError if a file holding part of the range is gone (recycled past, or never
   * written). Model: positional reads of the segment files. PGlite: `FS.readFile` of pg_wal
   * segments (or the chunks `apply` received), sliced by `layout.fileFor`.
   */
  readWal(start: Lsn, end: Lsn): Promise<Uint8Array>;

  /**
   * Make the on-disk image self-contained and return the LSN at which WAL resumes after it (the
   * snapshot's LSN). Model: write every page file and the control file. PGlite: CHECKPOINT twice
   * (the second lets recycled segments go), then `pg_current_wal_flush_lsn()`.
   */
  checkpoint(): Promise<Lsn>;

  /**
   * The data directory as an archive stream, taken right after `checkpoint()` with no write in
   * between. Model: the page and control files in the model archive format. PGlite:
   * `dumpDataDir('none')` (a tar), chunked.
   */
  snapshot(): AsyncIterable<Uint8Array>;

  /** Stop the instance. Local files stay; a killed process simply never calls this. */
  close(): Promise<void>;
}

/**
 * How to make and open databases of one kind. The restorer uses `unpackSnapshot` and then writes
 * WAL ranges into files at `layout.fileFor(lsn)`, then calls `open`, which runs recovery.
 */
export interface DatabaseDriver {
  readonly kind: string;
  readonly layout: WalLayout;
  /** A fresh, empty database in `dir` (PGlite: from a prebuilt empty data dir, not initdb). */
  create(disk: LocalDisk, dir: string): Promise<Database>;
  /**
   * Unpack a snapshot archive (as produced by `Database.snapshot`) into `dir`, consuming the
   * chunks as they come: at most one chunk plus one file's pending header buffered.
   */
  unpackSnapshot(chunks: AsyncIterable<Uint8Array>, disk: LocalDisk, dir: string): Promise<void>;
  /**
   * Open the database in `dir`, replaying the WAL files from the image's checkpoint LSN until
   * the first record that does not verify (or the first short page). Model: page-granular
   * replay. PGlite: `new PGlite({dataDir})` with the files loaded, which runs Postgres recovery.
   */
  open(disk: LocalDisk, dir: string): Promise<Database>;
}

/** Part of a requested WAL range is not on the local disk (anymore). */
export class WalUnavailableError extends Error {
  override name = "WalUnavailableError";
  constructor(
    readonly start: Lsn,
    readonly end: Lsn,
    readonly detail: string,
  ) {
    super(`WAL [${start}, ${end}) is not available locally: ${detail}`);
  }
}

/** A data directory that cannot be opened: missing control file, corrupt page, bad archive. */
export class DataDirCorruptError extends Error {
  override name = "DataDirCorruptError";
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`data directory ${path} is corrupt: ${reason}`);
  }
}
