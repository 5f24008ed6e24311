/**
 * The model database: deterministic, fast, and faithful to the Postgres behaviours that WAL
 * shipping depends on (see ../database.ts):
 *
 * - keyed rows live in memory and in `pageCount` page files (a row's page is a hash of its key),
 *   written only at checkpoint, with a control file naming the checkpoint LSN;
 * - every transaction appends one record per row plus a commit record to an LSN-ordered WAL kept
 *   in preallocated, fixed-size WAL files; files behind a checkpoint are recycled (renamed ahead
 *   and overwritten later), so a WAL file's size never says how much of it is valid (B07);
 * - recovery replays from the checkpoint LSN by 8 KB pages, applies a transaction only at its
 *   commit record, and stops at the first record that does not verify or at the first short page
 *   (a file that ends mid-page, B12);
 * - after a transaction, a background record's header may be written ahead of its payload (as
 *   Postgres's flush LSN can run ahead of the last complete record); the payload follows with
 *   the next write. If the life ends first, the last flush LSN overshoots the last replayable
 *   record by exactly one record header, 24 bytes (B13).
 */
import { concatBytes } from "../../bytes.ts";
import { crc32 } from "node:zlib";
import type { Random } from "../../runtime.ts";
import {
  type Database,
  type DatabaseDriver,
  DataDirCorruptError,
  type Lsn,
  type Row,
  type WalLayout,
  WalUnavailableError,
} from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";
import { packFiles, unpackFiles } from "./archive.ts";
import {
  backgroundPayload,
  encodeHeader,
  encodeRecord,
  modelWalLayout,
  parseHeader,
  parsePayload,
  RECORD_HEADER_BYTES,
  RecordType,
  type WalRecord,
} from "./wal-record.ts";

export interface ModelDatabaseOptions {
  /** Size of every WAL file (Postgres: 16 MB; the model defaults smaller to cross files often). */
  segmentBytes?: number;
  /** Number of page files rows are spread over. */
  pageCount?: number;
  /** Chance, after each transaction, of a background record header written ahead of its payload. */
  danglingHeaderProbability?: number;
  /** Draws the dangling headers; required when their probability is above zero. */
  random?: Random;
  /** WAL files kept for reuse after a checkpoint (Postgres recycles rather than deletes). */
  recycledFilesMax?: number;
}

export const MODEL_SEGMENT_BYTES_DEFAULT = 1024 * 1024;
const PAGE_COUNT_DEFAULT = 16;
const CONTROL_FILE = "control";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Control {
  checkpointLsn: Lsn;
  pageCount: number;
  nextTxid: number;
}

function pagePath(page: number): string {
  return `pages/${String(page).padStart(4, "0")}`;
}

function pageOf(key: string, pageCount: number): number {
  return (crc32(key) >>> 0) % pageCount;
}

function encodePage(rows: Array<[string, Uint8Array]>): Uint8Array {
  let total = 0;
  const keys = rows.map(([key, value]) => {
    const bytes = encoder.encode(key);
    total += 6 + bytes.length + value.length;
    return bytes;
  });
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  rows.forEach(([, value], index) => {
    const key = keys[index]!;
    view.setUint16(at, key.length);
    out.set(key, at + 2);
    view.setUint32(at + 2 + key.length, value.length);
    out.set(value, at + 6 + key.length);
    at += 6 + key.length + value.length;
  });
  return out;
}

function decodePage(bytes: Uint8Array, path: string, into: Map<string, Uint8Array>): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 0;
  while (at < bytes.length) {
    if (at + 6 > bytes.length) throw new DataDirCorruptError(path, `truncated row header at ${at}`);
    const keyLength = view.getUint16(at);
    const valueLength = view.getUint32(at + 2 + keyLength);
    const end = at + 6 + keyLength + valueLength;
    if (end > bytes.length) throw new DataDirCorruptError(path, `truncated row at ${at}`);
    into.set(
      decoder.decode(bytes.subarray(at + 2, at + 2 + keyLength)),
      bytes.slice(at + 6 + keyLength, end),
    );
    at = end;
  }
}

function sortedRows(rows: Map<string, Uint8Array>): Array<[string, Uint8Array]> {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export class ModelDatabase implements Database {
  private readonly rows = new Map<string, Uint8Array>();
  private readonly dirtyPages = new Set<number>();
  /** End of all bytes written to the WAL files (a dangling header included). */
  private writtenLsn: Lsn;
  /** A background record whose header is written and whose payload is not yet. */
  private dangling: { lsn: Lsn; payload: Uint8Array } | null = null;
  private nextTxid: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly disk: LocalDisk,
    private readonly dir: string,
    readonly layout: WalLayout,
    private readonly pageCount: number,
    private readonly options: ModelDatabaseOptions,
    recovered: {
      rows: Map<string, Uint8Array>;
      endLsn: Lsn;
      nextTxid: number;
      replayedKeys: Iterable<string>;
    },
  ) {
    for (const [key, value] of recovered.rows) this.rows.set(key, value);
    // Rows changed by replay are newer than their page files: the next checkpoint writes them.
    for (const key of recovered.replayedKeys) this.dirtyPages.add(pageOf(key, pageCount));
    this.writtenLsn = recovered.endLsn;
    this.nextTxid = recovered.nextTxid;
    const probability = options.danglingHeaderProbability ?? 0;
    if (probability > 0 && !options.random)
      throw new RangeError("danglingHeaderProbability > 0 needs a Random");
  }

  /** One operation at a time, in call order (the WAL is one stream). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("model database is closed");
  }

  writeRows(rows: readonly Row[]): Promise<void> {
    return this.serial(async () => {
      this.checkOpen();
      if (rows.length === 0) return;
      const txid = this.nextTxid++;
      const parts: Uint8Array[] = [];
      let lsn = this.writtenLsn;
      if (this.dangling) {
        parts.push(this.dangling.payload);
        lsn += this.dangling.payload.length;
      }
      const records: WalRecord[] = rows.map((row) => ({
        type: row.value === null ? RecordType.Delete : RecordType.Put,
        txid,
        key: row.key,
        value: row.value,
      }));
      records.push({ type: RecordType.Commit, txid, key: "", value: null });
      for (const record of records) {
        const bytes = encodeRecord(record, lsn);
        parts.push(bytes);
        lsn += bytes.length;
      }
      const probability = this.options.danglingHeaderProbability ?? 0;
      let dangling: { lsn: Lsn; payload: Uint8Array } | null = null;
      if (probability > 0 && this.options.random!.next() < probability) {
        const payload = backgroundPayload(txid);
        parts.push(encodeHeader(RecordType.Background, payload, lsn));
        dangling = { lsn, payload };
        lsn += RECORD_HEADER_BYTES;
      }
      await this.appendWal(this.writtenLsn, concatBytes(parts));
      this.writtenLsn = lsn;
      this.dangling = dangling;
      for (const row of rows) {
        if (row.value === null) this.rows.delete(row.key);
        else this.rows.set(row.key, row.value.slice());
        this.dirtyPages.add(pageOf(row.key, this.pageCount));
      }
    });
  }

  async readRows(): Promise<Row[]> {
    return sortedRows(this.rows).map(([key, value]) => ({ key, value }));
  }

  async flushLsn(): Promise<Lsn> {
    return this.writtenLsn;
  }

  readWal(start: Lsn, end: Lsn): Promise<Uint8Array> {
    return this.serial(async () => {
      if (!(start <= end && end <= this.writtenLsn))
        throw new RangeError(
          `WAL range [${start}, ${end}) is outside the written WAL (end ${this.writtenLsn})`,
        );
      const out = new Uint8Array(end - start);
      let lsn = start;
      while (lsn < end) {
        const position = this.layout.fileFor(lsn);
        const take = Math.min(end - lsn, this.layout.segmentBytes - position.offset);
        const path = joinPath(this.dir, position.path);
        const piece = await this.disk.read(path, position.offset, take);
        if (piece.length !== take)
          throw new WalUnavailableError(
            start,
            end,
            `${position.path} holds ${piece.length} of ${take} bytes`,
          );
        out.set(piece, lsn - start);
        lsn += take;
      }
      return out;
    });
  }

  checkpoint(): Promise<Lsn> {
    return this.serial(async () => {
      this.checkOpen();
      await this.completeDangling();
      for (const page of [...this.dirtyPages].sort((a, b) => a - b)) {
        const rows = sortedRows(this.rows).filter(([key]) => pageOf(key, this.pageCount) === page);
        await this.disk.writeFile(joinPath(this.dir, pagePath(page)), encodePage(rows));
      }
      this.dirtyPages.clear();
      const control: Control = {
        checkpointLsn: this.writtenLsn,
        pageCount: this.pageCount,
        nextTxid: this.nextTxid,
      };
      await this.disk.writeFile(joinPath(this.dir, CONTROL_FILE), encoder.encode(JSON.stringify(control)));
      await this.recycleBefore(this.writtenLsn);
      return this.writtenLsn;
    });
  }

  snapshot(): AsyncIterable<Uint8Array> {
    const paths = [CONTROL_FILE, ...Array.from({ length: this.pageCount }, (_, page) => pagePath(page))];
    return packFiles(this.disk, this.dir, paths);
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      await this.completeDangling();
      this.closed = true;
    });
  }

  /**
   * What Postgres does at the end of crash recovery: write a checkpoint record. The cluster's
   * flush LSN after a boot is therefore past the last replayed record, so a successor that
   * chained onto the predecessor's (overshooting) resume LSN ships a range that starts inside
   * this record: the misalignment behind B13.
   */
  writeEndOfRecovery(): Promise<void> {
    return this.serial(async () => {
      const bytes = encodeRecord(
        { type: RecordType.Background, txid: this.nextTxid, key: "", value: null },
        this.writtenLsn,
      );
      await this.appendWal(this.writtenLsn, bytes);
      this.writtenLsn += bytes.length;
    });
  }

  private async completeDangling(): Promise<void> {
    if (!this.dangling) return;
    await this.appendWal(this.writtenLsn, this.dangling.payload);
    this.writtenLsn += this.dangling.payload.length;
    this.dangling = null;
  }

  /** Write WAL bytes at `lsn`, across files, preallocating (or reusing) each file touched. */
  private async appendWal(start: Lsn, bytes: Uint8Array): Promise<void> {
    let lsn = start;
    while (lsn < start + bytes.length) {
      const position = this.layout.fileFor(lsn);
      const take = Math.min(start + bytes.length - lsn, this.layout.segmentBytes - position.offset);
      const path = joinPath(this.dir, position.path);
      if (position.offset === 0 || (await this.disk.size(path)) === null) await this.preallocate(path);
      await this.disk.write(path, position.offset, bytes.subarray(lsn - start, lsn - start + take));
      lsn += take;
    }
  }

  /** Make sure a full-size WAL file exists at `path`: reuse a recycled one, else zero-fill. */
  private async preallocate(path: string): Promise<void> {
    if ((await this.disk.size(path)) === this.layout.segmentBytes) return;
    await this.disk.truncate(path, this.layout.segmentBytes);
  }

  /** WAL files wholly behind `lsn` are renamed ahead (recycled) or removed. */
  private async recycleBefore(lsn: Lsn): Promise<void> {
    const current = this.layout.fileFor(lsn);
    const slash = current.path.lastIndexOf("/");
    const walDir = joinPath(this.dir, current.path.slice(0, slash));
    const currentName = current.path.slice(slash + 1);
    const keep = this.options.recycledFilesMax ?? 2;
    let recycled = 0;
    let ahead = 1;
    for (const name of await this.disk.list(walDir)) {
      if (name >= currentName) continue;
      const old = joinPath(walDir, name);
      if (recycled >= keep) {
        await this.disk.remove(old);
        continue;
      }
      let future = joinPath(
        this.dir,
        this.layout.fileFor(current.fileStartLsn + ahead * this.layout.segmentBytes).path,
      );
      while ((await this.disk.size(future)) !== null) {
        ahead++;
        future = joinPath(
          this.dir,
          this.layout.fileFor(current.fileStartLsn + ahead * this.layout.segmentBytes).path,
        );
      }
      await this.disk.rename(old, future); // stale content stays: replay's LSN check rejects it
      recycled++;
    }
  }
}

/** Reads the WAL stream page by page; a missing file or a short page ends it. */
class PageReader {
  private cachedIndex = -1;
  private cached: Uint8Array | null = null;

  constructor(
    private readonly disk: LocalDisk,
    private readonly dir: string,
    private readonly layout: WalLayout,
  ) {}

  private async page(index: number): Promise<Uint8Array | null> {
    if (index === this.cachedIndex) return this.cached;
    const lsn = index * this.layout.pageBytes;
    const position = this.layout.fileFor(lsn);
    const bytes = await this.disk.read(
      joinPath(this.dir, position.path),
      position.offset,
      this.layout.pageBytes,
    );
    this.cachedIndex = index;
    this.cached = bytes.length === this.layout.pageBytes ? bytes : null; // short page: end of WAL
    return this.cached;
  }

  /** `length` bytes at `lsn`, or null if any page they need is short or missing. */
  async bytes(lsn: Lsn, length: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const index = Math.floor((lsn + at) / this.layout.pageBytes);
      const page = await this.page(index);
      if (page === null) return null;
      const offset = lsn + at - index * this.layout.pageBytes;
      const take = Math.min(length - at, this.layout.pageBytes - offset);
      out.set(page.subarray(offset, offset + take), at);
      at += take;
    }
    return out;
  }
}

/** Replay the WAL from the checkpoint: the recovered rows, end LSN and next transaction ID. */
async function recover(
  disk: LocalDisk,
  dir: string,
  layout: WalLayout,
): Promise<{
  rows: Map<string, Uint8Array>;
  endLsn: Lsn;
  nextTxid: number;
  pageCount: number;
  replayedKeys: Set<string>;
}> {
  const controlBytes = await disk.readFile(joinPath(dir, CONTROL_FILE));
  if (controlBytes === null) throw new DataDirCorruptError(dir, "no control file");
  let control: Control;
  try {
    control = JSON.parse(decoder.decode(controlBytes)) as Control;
  } catch {
    throw new DataDirCorruptError(joinPath(dir, CONTROL_FILE), "control file is not JSON");
  }
  if (!Number.isSafeInteger(control.checkpointLsn) || !(control.pageCount > 0))
    throw new DataDirCorruptError(joinPath(dir, CONTROL_FILE), "control file has bad fields");
  const rows = new Map<string, Uint8Array>();
  for (let page = 0; page < control.pageCount; page++) {
    const path = joinPath(dir, pagePath(page));
    const bytes = await disk.readFile(path);
    if (bytes === null) throw new DataDirCorruptError(path, "page file missing");
    decodePage(bytes, path, rows);
  }
  const reader = new PageReader(disk, dir, layout);
  const pending = new Map<number, Row[]>();
  const replayedKeys = new Set<string>();
  let lsn = control.checkpointLsn;
  let nextTxid = control.nextTxid;
  for (;;) {
    const header = await reader.bytes(lsn, RECORD_HEADER_BYTES);
    const fields = header && parseHeader(header, lsn);
    if (!fields) break;
    const payload = await reader.bytes(lsn + RECORD_HEADER_BYTES, fields.totalBytes - RECORD_HEADER_BYTES);
    const record = payload && parsePayload(fields, payload);
    if (!record) break;
    lsn += fields.totalBytes;
    nextTxid = Math.max(nextTxid, record.txid + 1);
    if (record.type === RecordType.Put || record.type === RecordType.Delete) {
      const list = pending.get(record.txid) ?? [];
      list.push({ key: record.key, value: record.value });
      pending.set(record.txid, list);
    } else if (record.type === RecordType.Commit) {
      for (const row of pending.get(record.txid) ?? []) {
        replayedKeys.add(row.key);
        if (row.value === null) rows.delete(row.key);
        else rows.set(row.key, row.value);
      }
      pending.delete(record.txid);
    }
  }
  return { rows, endLsn: lsn, nextTxid, pageCount: control.pageCount, replayedKeys };
}

/** The driver for model databases of one WAL layout. */
export function modelDatabaseDriver(options: ModelDatabaseOptions = {}): DatabaseDriver {
  const layout = modelWalLayout(options.segmentBytes ?? MODEL_SEGMENT_BYTES_DEFAULT);
  const pageCount = options.pageCount ?? PAGE_COUNT_DEFAULT;
  return {
    kind: "model",
    layout,
    async create(disk, dir) {
      await disk.remove(dir);
      const control: Control = { checkpointLsn: 0, pageCount, nextTxid: 1 };
      for (let page = 0; page < pageCount; page++)
        await disk.writeFile(joinPath(dir, pagePath(page)), new Uint8Array(0));
      await disk.writeFile(joinPath(dir, CONTROL_FILE), encoder.encode(JSON.stringify(control)));
      await disk.truncate(joinPath(dir, layout.fileFor(0).path), layout.segmentBytes);
      return new ModelDatabase(disk, dir, layout, pageCount, options, {
        rows: new Map(),
        endLsn: 0,
        nextTxid: 1,
        replayedKeys: [],
      });
    },
    async unpackSnapshot(chunks, disk, dir) {
      await unpackFiles(chunks, disk, dir);
    },
    async open(disk, dir) {
      const recovered = await recover(disk, dir, layout);
      const db = new ModelDatabase(disk, dir, layout, recovered.pageCount, options, recovered);
      await db.writeEndOfRecovery();
      return db;
    },
  };
}
