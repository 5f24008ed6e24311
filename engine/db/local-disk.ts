/**
 * The instance's local disk as the engine sees it: a small, positional, fs-like interface. The
 * simulation backs it with a memfs volume that vanishes when the process is killed
 * (sim/local-disk.ts); production backs it with node:fs (or, for PGlite, the data directory of
 * its virtual file system). Paths are POSIX-style and absolute within the disk ("/data/wal/…").
 *
 * Reads at or past the end of a file return fewer bytes than asked: that short read is exactly
 * what Postgres takes as "end of WAL" (B12), so implementations must never pad it.
 */
export interface LocalDisk {
  /** The whole file, or null if it does not exist. */
  readFile(path: string): Promise<Uint8Array | null>;
  /** Create or replace the file with exactly these bytes (parent directories are created). */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  /** Up to `length` bytes from `position`; fewer at end of file; empty past it or if absent. */
  read(path: string, position: number, length: number): Promise<Uint8Array>;
  /** Write `bytes` at `position`, creating the file (and directories) and extending it as needed. */
  write(path: string, position: number, bytes: Uint8Array): Promise<void>;
  /** File size in bytes, or null if absent. */
  size(path: string): Promise<number | null>;
  /** Cut or extend (with zeros, sparse where the backend allows) to exactly `length` bytes. */
  truncate(path: string, length: number): Promise<void>;
  /** File names (not paths) directly inside `dir`, sorted; empty if the directory is absent. */
  list(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  /** Remove a file or a whole directory tree; absent paths are fine. */
  remove(path: string): Promise<void>;
}

/** Join POSIX path parts without doubling slashes. */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((part) => part.length > 0)
    .join("/")
    .replace(/\/{2,}/g, "/");
}
