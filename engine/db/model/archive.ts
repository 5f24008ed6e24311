/**
 * The model database's snapshot archive: a minimal tar-like stream of files, written and read
 * incrementally so neither side holds more than one chunk (the model's stand-in for the tar that
 * PGlite's dumpDataDir produces).
 *
 * Layout: "BSARCH01", then per file: u32 path length, path (UTF-8), u32 size, the bytes; then a
 * u32 zero as the end marker. A stream that ends before the marker is corrupt (truncated).
 */
import { DataDirCorruptError } from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";

const MAGIC = new TextEncoder().encode("BSARCH01");
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Files are streamed out in pieces of this size. */
export const ARCHIVE_CHUNK_BYTES = 256 * 1024;

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** Stream the files (paths relative to `dir`) as one archive. */
export async function* packFiles(
  disk: LocalDisk,
  dir: string,
  paths: readonly string[],
): AsyncGenerator<Uint8Array, void, undefined> {
  yield MAGIC;
  for (const path of paths) {
    const full = joinPath(dir, path);
    const size = await disk.size(full);
    if (size === null) throw new DataDirCorruptError(full, "file vanished while packing");
    const name = encoder.encode(path);
    const header = new Uint8Array(8 + name.length);
    header.set(u32(name.length), 0);
    header.set(name, 4);
    header.set(u32(size), 4 + name.length);
    yield header;
    for (let offset = 0; offset < size; offset += ARCHIVE_CHUNK_BYTES) {
      const piece = await disk.read(full, offset, Math.min(ARCHIVE_CHUNK_BYTES, size - offset));
      if (piece.length === 0) throw new DataDirCorruptError(full, "file shrank while packing");
      yield piece;
    }
  }
  yield u32(0);
}

/**
 * Unpack an archive stream into `dir`, writing file bytes as they arrive. Buffers only the
 * small headers; rejects with DataDirCorruptError on a bad magic or a truncated stream.
 */
export async function unpackFiles(
  chunks: AsyncIterable<Uint8Array>,
  disk: LocalDisk,
  dir: string,
): Promise<string[]> {
  const written: string[] = [];
  let pending = new Uint8Array(0); // header bytes not yet parsed
  let state: "magic" | "name-length" | "name" | "size" | "body" | "done" = "magic";
  let need = MAGIC.length;
  let path = "";
  let remaining = 0;
  let offset = 0;
  for await (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      if (state === "done") throw new DataDirCorruptError(dir, "bytes after the archive's end marker");
      if (state === "body") {
        const take = Math.min(remaining, chunk.length - at);
        await disk.write(joinPath(dir, path), offset, chunk.subarray(at, at + take));
        at += take;
        offset += take;
        remaining -= take;
        if (remaining === 0) state = "name-length";
        if (state === "name-length") need = 4;
        continue;
      }
      const take = Math.min(need - pending.length, chunk.length - at);
      const grown = new Uint8Array(pending.length + take);
      grown.set(pending, 0);
      grown.set(chunk.subarray(at, at + take), pending.length);
      pending = grown;
      at += take;
      if (pending.length < need) continue;
      const field = pending;
      pending = new Uint8Array(0);
      const view = new DataView(field.buffer, field.byteOffset, field.length);
      if (state === "magic") {
        if (!field.every((byte, index) => byte === MAGIC[index]))
          throw new DataDirCorruptError(dir, "not a model snapshot archive (bad magic)");
        state = "name-length";
        need = 4;
      } else if (state === "name-length") {
        const length = view.getUint32(0);
        if (length === 0) state = "done";
        else {
          state = "name";
          need = length;
        }
      } else if (state === "name") {
        path = decoder.decode(field);
        if (path.includes("..")) throw new DataDirCorruptError(dir, `archive path escapes: ${path}`);
        state = "size";
        need = 4;
      } else {
        remaining = view.getUint32(0);
        offset = 0;
        written.push(path);
        await disk.writeFile(joinPath(dir, path), new Uint8Array(0));
        state = remaining === 0 ? "name-length" : "body";
        need = 4;
      }
    }
  }
  if (state !== "done") throw new DataDirCorruptError(dir, `archive truncated (while reading ${state})`);
  return written;
}
