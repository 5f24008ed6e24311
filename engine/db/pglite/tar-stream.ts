/**
 * Snapshot archives of a PGlite data directory on a LocalDisk, streamed both ways: a gzipped
 * canonical ustar written file by file in pieces, and read back consuming one chunk at a time.
 * Neither side ever holds a whole relation file (Postgres keeps tables in files of up to 1 GB),
 * so a restore's memory does not grow with the database (E3-2).
 */
import { Gunzip, Gzip } from "fflate";
import { DataDirCorruptError } from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";
import { normalisePath, writeTar } from "./tar.ts";

/** Files are read from disk and written to the archive in pieces of this size. */
export const TAR_PIECE_BYTES = 1024 * 1024;
const BLOCK = 512;

export interface PackEntry {
  kind: "dir" | "file";
  /** Relative to the data directory, with a leading slash. */
  path: string;
}

/** A canonical gzipped tar of `entries` read from `dir` on `disk`. */
export async function* packDataDir(
  disk: LocalDisk,
  dir: string,
  entries: readonly PackEntry[],
  gzipLevel: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9,
): AsyncGenerator<Uint8Array, void, undefined> {
  const out: Uint8Array[] = [];
  const gzip = new Gzip({ level: gzipLevel, mtime: 0 }, (chunk) => {
    out.push(chunk);
  });
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    if (entry.kind === "dir") {
      gzip.push(headerOf({ kind: "dir", path: entry.path }));
      continue;
    }
    const full = joinPath(dir, entry.path);
    const size = await disk.size(full);
    if (size === null) throw new DataDirCorruptError(full, "file vanished while packing");
    gzip.push(headerOf({ kind: "file", path: entry.path, size }));
    for (let at = 0; at < size; at += TAR_PIECE_BYTES) {
      const piece = await disk.read(full, at, Math.min(TAR_PIECE_BYTES, size - at));
      if (piece.length !== Math.min(TAR_PIECE_BYTES, size - at))
        throw new DataDirCorruptError(full, "file shrank while packing");
      gzip.push(piece);
      if (out.length > 0) yield* out.splice(0);
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) gzip.push(new Uint8Array(padding));
    if (out.length > 0) yield* out.splice(0);
  }
  gzip.push(new Uint8Array(2 * BLOCK), true);
  yield* out.splice(0);
}

/** The 512-byte header of one entry (the file's data follows it). */
function headerOf(entry: { kind: "dir"; path: string } | { kind: "file"; path: string; size: number }) {
  // writeTar builds a complete archive; for a header alone, give it an empty file and patch
  // the size field, which keeps one implementation of the header layout.
  const archive =
    entry.kind === "dir"
      ? writeTar([{ kind: "dir", path: entry.path }])
      : writeTar([{ kind: "file", path: entry.path, data: new Uint8Array(0) }]);
  const header = archive.slice(0, BLOCK);
  if (entry.kind === "file") {
    header.set(new TextEncoder().encode(entry.size.toString(8).padStart(11, "0")), 124);
    header.fill(0x20, 148, 156);
    let checksum = 0;
    for (const byte of header) checksum += byte;
    header.set(new TextEncoder().encode(checksum.toString(8).padStart(6, "0")), 148);
    header[154] = 0;
    header[155] = 0x20;
  }
  return header;
}

export interface UnpackResult {
  dirs: string[];
  files: string[];
}

/**
 * Unpacks a gzipped tar into `dir`, writing each file's bytes as they arrive. Holds at most one
 * decompressed chunk plus a partial header.
 */
export async function unpackDataDir(
  chunks: AsyncIterable<Uint8Array>,
  disk: LocalDisk,
  dir: string,
): Promise<UnpackResult> {
  const pending: Uint8Array[] = [];
  const gunzip = new Gunzip((chunk) => {
    pending.push(chunk);
  });
  const result: UnpackResult = { dirs: [], files: [] };
  let header = new Uint8Array(0);
  let file: { path: string; size: number; written: number; padding: number } | null = null;
  let ended = false;
  const consume = async (data: Uint8Array) => {
    let at = 0;
    while (at < data.length && !ended) {
      if (file !== null) {
        const want = file.size - file.written;
        if (want > 0) {
          const take = Math.min(want, data.length - at);
          await disk.write(joinPath(dir, file.path), file.written, data.subarray(at, at + take));
          file.written += take;
          at += take;
          continue;
        }
        const skip = Math.min(file.padding, data.length - at);
        file.padding -= skip;
        at += skip;
        if (file.padding === 0) file = null;
        continue;
      }
      const take = Math.min(BLOCK - header.length, data.length - at);
      const joined = new Uint8Array(header.length + take);
      joined.set(header);
      joined.set(data.subarray(at, at + take), header.length);
      header = joined;
      at += take;
      if (header.length < BLOCK) continue;
      const block = header;
      header = new Uint8Array(0);
      if (block.every((byte) => byte === 0)) {
        ended = true;
        break;
      }
      const entry = parseHeader(block);
      if (entry.kind === "dir") result.dirs.push(entry.path);
      else {
        result.files.push(entry.path);
        // An empty file must exist too.
        await disk.truncate(joinPath(dir, entry.path), 0);
        file = {
          path: entry.path,
          size: entry.size,
          written: 0,
          padding: (BLOCK - (entry.size % BLOCK)) % BLOCK,
        };
        if (entry.size === 0) file = null;
      }
    }
  };
  const inflate = (chunk: Uint8Array, final: boolean) => {
    try {
      gunzip.push(chunk, final);
    } catch (error) {
      throw new DataDirCorruptError(dir, `snapshot archive does not decompress: ${(error as Error).message}`);
    }
  };
  for await (const chunk of chunks) {
    inflate(chunk, false);
    for (const data of pending.splice(0)) await consume(data);
  }
  inflate(new Uint8Array(0), true);
  for (const data of pending.splice(0)) await consume(data);
  if (!ended || file !== null) throw new DataDirCorruptError(dir, "snapshot archive is truncated");
  return result;
}

function parseHeader(
  block: Uint8Array,
): { kind: "dir"; path: string } | { kind: "file"; path: string; size: number } {
  const text = (offset: number, length: number) => {
    const bytes = block.subarray(offset, offset + length);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  const name = text(0, 100);
  const prefix = text(257, 6).startsWith("ustar") ? text(345, 155) : "";
  const path = normalisePath(prefix ? `${prefix}/${name}` : name);
  const type = String.fromCharCode(block[156] ?? 0);
  const sizeText = text(124, 12).trim();
  if (!/^[0-7]*$/.test(sizeText)) throw new DataDirCorruptError(path, `bad size field "${sizeText}"`);
  if (type === "5") return { kind: "dir", path };
  if (type === "0" || type === "\0") return { kind: "file", path, size: Number.parseInt(sizeText || "0", 8) };
  throw new DataDirCorruptError(path, `unsupported tar entry type "${type}"`);
}
