/**
 * The MemfsFrontendFS storage backend that keeps a PGlite data directory on a LocalDisk.
 *
 * PGlite awaits `apply(changeSet)` at the end of every statement run outside `transaction()`
 * (and on an explicit `syncToFs()`): structural ops first, then WAL, data files and pg_control.
 * What `apply` has written is what survives a crash of the instance; the engine's WAL reads and
 * snapshots read it from here, so they never see bytes a crash could take back.
 *
 * LocalDisk cannot tell a directory from a file when listing, and Postgres needs its empty
 * directories (pg_notify, pg_tblspc, …), so the backend keeps the directory list in an index
 * file beside the data (DIR_INDEX), updated with every structural change.
 */
import type { ChangeSet, StorageBackend, StorageEntry } from "@electric-sql/pglite/memfs-frontend";
import { DataDirCorruptError } from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";
import { normalisePath } from "./tar.ts";

/** Directory index, relative to the data directory. Not part of Postgres's own files. */
export const DIR_INDEX = "/.pglite-dirs.json";

export async function readDirIndex(disk: LocalDisk, dir: string): Promise<string[] | null> {
  const bytes = await disk.readFile(joinPath(dir, DIR_INDEX));
  if (bytes === null) return null;
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string"))
    throw new DataDirCorruptError(joinPath(dir, DIR_INDEX), "directory index is not a list of paths");
  return parsed;
}

export async function writeDirIndex(disk: LocalDisk, dir: string, dirs: Iterable<string>): Promise<void> {
  const sorted = [...new Set([...dirs].map(normalisePath))].filter((path) => path !== "/").sort();
  await disk.writeFile(joinPath(dir, DIR_INDEX), new TextEncoder().encode(JSON.stringify(sorted)));
}

/** Every file and directory of the data directory, parents first (files after all dirs). */
export async function listDataDir(
  disk: LocalDisk,
  dir: string,
): Promise<{ dirs: string[]; files: string[] }> {
  const dirs = await readDirIndex(disk, dir);
  if (dirs === null) throw new DataDirCorruptError(dir, "no directory index: not a PGlite data directory");
  const dirSet = new Set(dirs);
  const files: string[] = [];
  for (const parent of ["/", ...dirs]) {
    for (const name of await disk.list(joinPath(dir, parent))) {
      const path = normalisePath(`${parent}/${name}`);
      if (path === DIR_INDEX || dirSet.has(path)) continue;
      files.push(path);
    }
  }
  const byDepth = [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
  return { dirs: byDepth, files: files.sort() };
}

export interface FlushEvent {
  walBytes: number;
  dataBytes: number;
  controlWritten: boolean;
}

export class LocalDiskBackend implements StorageBackend {
  /** Flushes applied so far (one per synced statement or explicit sync). */
  flushes = 0;
  private dirs = new Set<string>();

  constructor(
    private readonly disk: LocalDisk,
    private readonly dir: string,
    private readonly onFlush?: (event: FlushEvent) => void,
  ) {}

  async init(): Promise<void> {
    this.dirs = new Set((await readDirIndex(this.disk, this.dir)) ?? []);
  }

  async *load(): AsyncIterable<StorageEntry> {
    const { dirs, files } = await listDataDir(this.disk, this.dir);
    for (const path of dirs) yield { kind: "dir", path };
    for (const path of files) {
      const data = await this.disk.readFile(joinPath(this.dir, path));
      if (data === null)
        throw new DataDirCorruptError(joinPath(this.dir, path), "file vanished while loading");
      yield { kind: "file", path, data };
    }
  }

  async apply(changes: ChangeSet): Promise<void> {
    let structural = false;
    for (const op of changes.ops) {
      structural = true;
      const path = normalisePath(op.path);
      if (op.op === "remove") {
        await this.disk.remove(joinPath(this.dir, path));
        for (const known of [...this.dirs])
          if (known === path || known.startsWith(`${path}/`)) this.dirs.delete(known);
      } else this.dirs.add(path);
    }
    if (structural) await writeDirIndex(this.disk, this.dir, this.dirs);
    const event: FlushEvent = { walBytes: 0, dataBytes: 0, controlWritten: changes.files.control.length > 0 };
    for (const group of ["wal", "data", "control"] as const) {
      for (const write of changes.files[group]) {
        const full = joinPath(this.dir, write.path);
        if (write.truncate) await this.disk.truncate(full, write.size);
        else if ((await this.disk.size(full)) === null) await this.disk.truncate(full, 0);
        for (const chunk of write.chunks) {
          await this.disk.write(full, chunk.at, chunk.data);
          if (group === "wal") event.walBytes += chunk.data.length;
          else event.dataBytes += chunk.data.length;
        }
      }
    }
    this.flushes++;
    this.onFlush?.(event);
  }

  async close(): Promise<void> {}
}
