/**
 * A simulated instance's local disk: a memfs volume that belongs to one process. Fault model:
 * - kill: the volume is wiped (a serverless instance's tmpfs dies with it), and every call the
 *   dead process still makes never settles (like its store calls);
 * - pause: calls settle only on resume (the process is frozen);
 * - no torn writes, no latency: the disk is memory. What the engine must survive happens at the
 *   store and at kills, not here.
 *
 * Reads past the end of a file are short, never padded: that is what WAL replay sees as "end of
 * WAL" (B12). memfs is used through its synchronous API only, so no real timer or immediate is
 * ever involved and runs stay deterministic.
 */
import { Volume } from "memfs";
import type { LocalDisk } from "../engine/db/local-disk.ts";
import type { SimProcess } from "./process.ts";
import { trustedSection } from "./sanitizer.ts";

type Vol = InstanceType<typeof Volume>;

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ENOENT";
}

/**
 * Every call as a trusted section of the sanitizer: memfs reads the clock for file times on
 * each call, and the synchronous body of each method is all the memfs work there is.
 */
function trusted(disk: LocalDisk): LocalDisk {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(disk) as Array<[string, (...args: unknown[]) => unknown]>)
    wrapped[name] = (...args: unknown[]) => trustedSection(() => method(...args));
  return wrapped as unknown as LocalDisk;
}

/** A memfs-backed LocalDisk whose calls run synchronously (wrapped in resolved promises). */
export function memoryDisk(): { disk: LocalDisk; wipe(): void } {
  let vol: Vol = new Volume();
  const ensureDir = (path: string) => vol.mkdirSync(parentOf(path), { recursive: true });
  const sizeOf = (path: string): number | null => {
    if (!vol.existsSync(path)) return null; // cheaper than catching ENOENT
    try {
      return vol.statSync(path).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
  const disk: LocalDisk = {
    async readFile(path) {
      if (!vol.existsSync(path)) return null;
      try {
        return new Uint8Array(vol.readFileSync(path) as Buffer);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async writeFile(path, bytes) {
      ensureDir(path);
      vol.writeFileSync(path, bytes);
    },
    async read(path, position, length) {
      const size = sizeOf(path);
      if (size === null || position >= size || length <= 0) return new Uint8Array(0);
      const take = Math.min(length, size - position);
      const out = Buffer.alloc(take);
      const fd = vol.openSync(path, "r");
      try {
        const got = vol.readSync(fd, out, 0, take, position);
        return got === take ? new Uint8Array(out.buffer, out.byteOffset, take) : out.subarray(0, got);
      } finally {
        vol.closeSync(fd);
      }
    },
    async write(path, position, bytes) {
      ensureDir(path);
      const fd = vol.openSync(path, sizeOf(path) === null ? "w+" : "r+");
      try {
        vol.writeSync(fd, bytes, 0, bytes.length, position);
      } finally {
        vol.closeSync(fd);
      }
    },
    async size(path) {
      return sizeOf(path);
    },
    async truncate(path, length) {
      ensureDir(path);
      if (sizeOf(path) === null) vol.writeFileSync(path, new Uint8Array(0));
      vol.truncateSync(path, length);
    },
    async list(dir) {
      try {
        return (vol.readdirSync(dir) as string[]).map(String).sort();
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
    },
    async rename(from, to) {
      ensureDir(to);
      vol.renameSync(from, to);
    },
    async remove(path) {
      vol.rmSync(path, { recursive: true, force: true });
    },
  };
  return {
    disk: trusted(disk),
    wipe() {
      vol = new Volume();
    },
  };
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
