/**
 * A simulated instance's local disk: an in-memory volume that belongs to one process. Fault model:
 * - kill: the volume is wiped (a serverless instance's tmpfs dies with it), and every call the
 *   dead process still makes never settles (like its store calls);
 * - pause: calls settle only on resume (the process is frozen);
 * - no torn writes, no latency: the disk is memory. What the engine must survive happens at the
 *   store and at kills, not here.
 *
 * Reads past the end of a file are short, never padded: that is what WAL replay sees as "end of
 * WAL" (B12). The volume (memory-volume.ts) is synchronous and reads no clock, so no real timer,
 * immediate or wall time is ever involved and runs stay deterministic.
 */
import type { LocalDisk } from "../engine/db/local-disk.ts";
import { MemoryVolume } from "./memory-volume.ts";
import type { SimProcess } from "./process.ts";

/** An in-memory LocalDisk whose calls run synchronously (wrapped in resolved promises). */
export function memoryDisk(): { disk: LocalDisk; wipe(): void } {
  const volume = new MemoryVolume();
  const disk: LocalDisk = {
    readFile: async (path) => volume.readFile(path),
    writeFile: async (path, bytes) => volume.writeFile(path, bytes),
    read: async (path, position, length) => volume.read(path, position, length),
    write: async (path, position, bytes) => volume.write(path, position, bytes),
    size: async (path) => volume.size(path),
    truncate: async (path, length) => volume.truncate(path, length),
    list: async (dir) => volume.list(dir),
    rename: async (from, to) => volume.rename(from, to),
    remove: async (path) => volume.remove(path),
  };
  return { disk, wipe: () => volume.wipe() };
}

/**
 * The local disk of `process`: wiped when it is killed; calls of a dead (or paused) process
 * settle only as its other calls do (never, or on resume).
 */
export function localDiskFor(process: SimProcess): LocalDisk {
  const memory = memoryDisk();
  process.onKill(() => memory.wipe());
  const inner = memory.disk;
  const guarded = {} as LocalDisk;
  for (const name of Object.keys(inner) as Array<keyof LocalDisk>) {
    const method = inner[name] as (...args: unknown[]) => Promise<unknown>;
    (guarded as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      process.guard(method(...args));
  }
  return guarded;
}
