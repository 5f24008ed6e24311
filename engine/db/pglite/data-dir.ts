/**
 * A Postgres data directory held as bytes: the files PGlite's MEMFS frontend handed to its
 * storage backend, i.e. exactly what would survive a crash of the instance. It applies PGlite
 * change sets (structural ops first, then WAL, data files and pg_control, in that order, as
 * PGlite intends), lists itself parents-first for `load()`, and hashes itself canonically.
 */
import { createHash } from "node:crypto";
import type { ChangeSet, FileWrite } from "@electric-sql/pglite/memfs-frontend";
import { type DataDirEntry, normalisePath, writeTar } from "./tar.ts";

export class DataDirError extends Error {
  override name = "DataDirError";
}

export class DataDir {
  private readonly dirs = new Set<string>();
  private readonly files = new Map<string, Uint8Array>();

  static fromEntries(entries: Iterable<DataDirEntry>): DataDir {
    const dir = new DataDir();
    for (const entry of entries) {
      if (entry.kind === "dir") dir.mkdir(entry.path);
      else dir.writeFile(entry.path, entry.data.slice());
    }
    return dir;
  }

  /** A deep copy: the crash image of this moment, unaffected by later writes. */
  clone(): DataDir {
    return DataDir.fromEntries(this.entries());
  }

  mkdir(path: string): void {
    const normal = normalisePath(path);
    const parts = normal.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) this.dirs.add(`/${parts.slice(0, i).join("/")}`);
  }

  writeFile(path: string, data: Uint8Array): void {
    const normal = normalisePath(path);
    const parent = normal.slice(0, normal.lastIndexOf("/"));
    if (parent) this.mkdir(parent);
    this.files.set(normal, data);
  }

  readFile(path: string): Uint8Array | undefined {
    return this.files.get(normalisePath(path));
  }

  /** Removes a file or a directory tree; a missing path is not an error (PGlite's contract). */
  remove(path: string): void {
    const normal = normalisePath(path);
    this.files.delete(normal);
    this.dirs.delete(normal);
    const under = `${normal}/`;
    for (const key of [...this.files.keys()]) if (key.startsWith(under)) this.files.delete(key);
    for (const key of [...this.dirs]) if (key.startsWith(under)) this.dirs.delete(key);
  }

  filePaths(prefix = "/"): string[] {
    return [...this.files.keys()].filter((path) => path.startsWith(prefix)).sort();
  }

  get totalBytes(): number {
    let bytes = 0;
    for (const data of this.files.values()) bytes += data.length;
    return bytes;
  }

  /** Applies one flush of PGlite's MEMFS frontend. */
  apply(changes: ChangeSet): void {
    for (const op of changes.ops) {
      if (op.op === "remove") this.remove(op.path);
      else this.mkdir(op.path);
    }
    for (const write of [...changes.files.wal, ...changes.files.data, ...changes.files.control]) {
      this.applyWrite(write);
    }
  }

  private applyWrite(write: FileWrite): void {
    const path = normalisePath(write.path);
    const old = this.files.get(path);
    let data: Uint8Array;
    if (write.full || old === undefined) data = new Uint8Array(write.size);
    else if (write.truncate || old.length < write.size) {
      data = new Uint8Array(write.size);
      data.set(old.subarray(0, Math.min(old.length, write.size)));
    } else data = old; // in place: WAL segments are rewritten page by page
    for (const chunk of write.chunks) {
      if (chunk.at + chunk.data.length > data.length)
        throw new DataDirError(`change set writes past the end of ${path} (size ${write.size})`);
      data.set(chunk.data, chunk.at);
    }
    this.writeFile(path, data);
  }

  /** Parents before children, as `StorageBackend.load()` must list them. */
  entries(): DataDirEntry[] {
    const dirs = [...this.dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
    const out: DataDirEntry[] = dirs.map((path) => ({ kind: "dir", path }));
    for (const path of this.filePaths()) out.push({ kind: "file", path, data: this.files.get(path)! });
    return out;
  }

  /** Canonical archive of the directory (see tar.ts). */
  toTar(): Uint8Array {
    return writeTar(this.entries());
  }

  /** md5 of the canonical archive: equal iff same paths and same bytes. */
  md5(): string {
    return createHash("md5").update(this.toTar()).digest("hex");
  }
}
