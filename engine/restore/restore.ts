/**
 * Streaming restore: manifest → snapshot + WAL ranges → a database opened on the local disk.
 *
 * - Objects are read by parallel ranged GETs (p-limit), consumed strictly in order, with at most
 *   `parallelism` chunks of `chunkBytes` fetched and not yet consumed: peak buffered bytes are
 *   bounded by parallelism × chunkBytes, independently of the database size (B02, E3-2). The
 *   meter that proves it is part of the result.
 * - Every object's size and sha256 are checked against the manifest; a missing object is a
 *   RestoreObjectMissingError, a wrong one a RestoreIntegrityError (B08 shows up here).
 * - WAL ranges are written at their LSN positions in the WAL files, and every touched file is
 *   then extended to the full segment size: replay stops at a short page, so a file that ends
 *   mid-page silently loses its last records (B12).
 */
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import type { BlobStore } from "../blobstore/blob-store.ts";
import type { Database, DatabaseDriver, WalLayout } from "../db/database.ts";
import { joinPath, type LocalDisk } from "../db/local-disk.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { type Clock, type Logger, silentLogger } from "../runtime.ts";

export const RESTORE_CHUNK_BYTES_DEFAULT = 256 * 1024;
export const RESTORE_PARALLELISM_DEFAULT = 4;

export class RestoreObjectMissingError extends Error {
  override name = "RestoreObjectMissingError";
  constructor(readonly key: string) {
    super(`restore: object ${key} named by the manifest is missing`);
  }
}

export class RestoreIntegrityError extends Error {
  override name = "RestoreIntegrityError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`restore: object ${key} does not match the manifest: ${reason}`);
  }
}

/** Bytes fetched and not yet consumed, and the most there ever were at once. */
export class BufferMeter {
  current = 0;
  peak = 0;
  add(bytes: number): void {
    this.current += bytes;
    if (this.current > this.peak) this.peak = this.current;
  }
  release(bytes: number): void {
    this.current -= bytes;
  }
}

export interface ObjectReadRequest {
  store: BlobStore;
  key: string;
  bytes: number;
  sha256: string;
  chunkBytes: number;
  parallelism: number;
  meter: BufferMeter;
  clock: Clock;
}

export interface RestoreStrategy {
  /** The object's bytes in order, verified against size and sha256. */
  readObject(request: ObjectReadRequest): AsyncIterable<Uint8Array>;
  /** Called once the WAL ranges are written; real: extend each touched file to full size (B12). */
  finishWalFiles(disk: LocalDisk, dir: string, layout: WalLayout, touched: readonly string[]): Promise<void>;
}

export interface RestoreOptions {
  store: BlobStore;
  manifest: Manifest;
  driver: DatabaseDriver;
  disk: LocalDisk;
  /** Data directory to restore into; replaced entirely. */
  dir: string;
  clock: Clock;
  logger?: Logger;
  chunkBytes?: number;
  parallelism?: number;
  strategy?: Partial<RestoreStrategy>;
}

export interface RestoreResult {
  db: Database;
  peakBufferedBytes: number;
  /** The bound the peak must stay under: parallelism × chunkBytes. */
  bufferBoundBytes: number;
  bytesRead: number;
}

const GET_ATTEMPTS_MAX = 8;

async function getRange(request: ObjectReadRequest, start: number, end: number): Promise<Uint8Array> {
  let waitMs = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      const object = await request.store.get(request.key, { range: { start, end } });
      if (object === null) throw new RestoreObjectMissingError(request.key);
      if (object.size !== request.bytes)
        throw new RestoreIntegrityError(request.key, `size ${object.size}, manifest says ${request.bytes}`);
      if (object.bytes.length !== end - start)
        throw new RestoreIntegrityError(
          request.key,
          `range [${start}, ${end}) returned ${object.bytes.length} bytes`,
        );
      return object.bytes;
    } catch (error) {
      const name = (error as Error | null)?.name;
      // A range past the end of the object (400/416) means the object is shorter than the
      // manifest says: a truncated or replaced object, named as such (issue 21).
      if (name === "InvalidRequestError") {
        const head = await request.store.head(request.key);
        if (head === null) throw new RestoreObjectMissingError(request.key);
        if (head.size !== request.bytes)
          throw new RestoreIntegrityError(request.key, `size ${head.size}, manifest says ${request.bytes}`);
      }
      const retryable = name === "TransientError" || name === "RateLimitedError";
      if (!retryable || attempt >= GET_ATTEMPTS_MAX) throw error;
      await request.clock.sleepMs(waitMs);
      waitMs = Math.min(waitMs * 2, 2_000);
    }
  }
}

/** Parallel ranged GETs, consumed in order through a window of `parallelism` chunks. */
export async function* streamObject(request: ObjectReadRequest): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkCount = Math.ceil(request.bytes / request.chunkBytes);
  const limit = pLimit(request.parallelism);
  const hash = createHash("sha256");
  const window: Array<Promise<Uint8Array>> = [];
  let issued = 0;
  const issue = () => {
    const start = issued * request.chunkBytes;
    const end = Math.min(request.bytes, start + request.chunkBytes);
    issued++;
    const fetched = limit(async () => {
      const bytes = await getRange(request, start, end);
      request.meter.add(bytes.length);
      return bytes;
    });
    fetched.catch(() => undefined); // awaited below; never an unhandled rejection
    window.push(fetched);
  };
  try {
    while (issued < chunkCount && window.length < request.parallelism) issue();
    for (let index = 0; index < chunkCount; index++) {
      const chunk = await window.shift()!;
      hash.update(chunk);
      if (issued < chunkCount) issue();
      yield chunk;
      request.meter.release(chunk.length);
    }
  } finally {
    limit.clearQueue();
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== request.sha256)
    throw new RestoreIntegrityError(request.key, `sha256 ${sha256}, manifest says ${request.sha256}`);
}

/** Extend every touched WAL file to the full segment size (sparse where the disk allows). */
export async function extendWalFiles(
  disk: LocalDisk,
  dir: string,
  layout: WalLayout,
  touched: readonly string[],
): Promise<void> {
  for (const path of touched) {
    const full = joinPath(dir, path);
    const size = await disk.size(full);
    if (size === null || size < layout.segmentBytes) await disk.truncate(full, layout.segmentBytes);
  }
}

/**
 * Writes a shipped WAL range into the WAL files at its LSNs (a range may cross a file boundary,
 * E2C-3), adding each file it touched to `touched` for `finishWalFiles`. Shared by restore and
 * the read replica's incremental apply.
 */
export async function writeWalRange(
  chunks: AsyncIterable<Uint8Array>,
  segment: { key: string; startLsn: number; endLsn: number },
  target: { disk: LocalDisk; dir: string; layout: WalLayout; touched: Set<string> },
): Promise<void> {
  const { disk, dir, layout, touched } = target;
  let lsn = segment.startLsn;
  for await (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const position = layout.fileFor(lsn);
      const take = Math.min(chunk.length - at, layout.segmentBytes - position.offset);
      await disk.write(joinPath(dir, position.path), position.offset, chunk.subarray(at, at + take));
      touched.add(position.path);
      at += take;
      lsn += take;
    }
  }
  if (lsn !== segment.endLsn)
    throw new RestoreIntegrityError(segment.key, `holds WAL up to ${lsn}, manifest says ${segment.endLsn}`);
}

export const realRestoreStrategy: RestoreStrategy = {
  readObject: streamObject,
  finishWalFiles: extendWalFiles,
};

/** The restorer role: restore a manifest onto a local disk. restoreDatabase is the engine's. */
export type Restorer = (options: RestoreOptions) => Promise<RestoreResult>;

export async function restoreDatabase(options: RestoreOptions): Promise<RestoreResult> {
  const { store, manifest, driver, disk, dir, clock } = options;
  const logger = options.logger ?? silentLogger;
  const strategy = { ...realRestoreStrategy, ...options.strategy };
  const chunkBytes = options.chunkBytes ?? RESTORE_CHUNK_BYTES_DEFAULT;
  const parallelism = options.parallelism ?? RESTORE_PARALLELISM_DEFAULT;
  const meter = new BufferMeter();
  const request = (ref: { key: string; bytes: number; sha256: string }): ObjectReadRequest => ({
    store,
    key: ref.key,
    bytes: ref.bytes,
    sha256: ref.sha256,
    chunkBytes,
    parallelism,
    meter,
    clock,
  });
  await disk.remove(dir);
  let bytesRead = 0;
  if (manifest.snapshot === null) {
    if (manifest.segments.length > 0)
      throw new RestoreIntegrityError("manifest", "WAL ranges without a snapshot to apply them to");
    const db = await driver.create(disk, dir);
    logger.log("restore.fresh", {});
    return { db, peakBufferedBytes: 0, bufferBoundBytes: parallelism * chunkBytes, bytesRead };
  }
  try {
    await driver.unpackSnapshot(strategy.readObject(request(manifest.snapshot)), disk, dir);
  } catch (error) {
    if (error instanceof RestoreIntegrityError || error instanceof RestoreObjectMissingError) throw error;
    // The unpacker stopped before the checksum was reached: read the object through once more,
    // so damaged bytes are reported as the object's fault, not as a corrupt database.
    for await (const chunk of strategy.readObject(request(manifest.snapshot))) void chunk;
    throw error;
  }
  bytesRead += manifest.snapshot.bytes;
  const touched = new Set<string>();
  for (const segment of manifest.segments) {
    await writeWalRange(strategy.readObject(request(segment)), segment, {
      disk,
      dir,
      layout: driver.layout,
      touched,
    });
    bytesRead += segment.bytes;
  }
  await strategy.finishWalFiles(disk, dir, driver.layout, [...touched].sort());
  const db = await driver.open(disk, dir);
  logger.log("restore.done", {
    snapshotKey: manifest.snapshot.key,
    segments: manifest.segments.length,
    bytesRead,
    peakBufferedBytes: meter.peak,
    flushLsn: await db.flushLsn(),
  });
  return { db, peakBufferedBytes: meter.peak, bufferBoundBytes: parallelism * chunkBytes, bytesRead };
}
