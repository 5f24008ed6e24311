/**
 * A read-only view of a data directory: an overlay LocalDisk whose writes land in memory and
 * never reach the disk underneath. The replica opens each state it serves through one, because
 * opening a database runs recovery, and recovery writes (the model database appends an
 * end-of-recovery record to its WAL, Postgres a checkpoint). Those bytes must not reach the
 * replica's image: the next WAL range the manifest appends is written into the image at its LSN,
 * and a stray end-of-recovery record there would break the replay of the next view.
 *
 * A file is copied up on its first write (as overlayfs does); removals and renames are recorded
 * as tombstones. Dropping the overlay discards everything written through it.
 */
import { joinPath, type LocalDisk } from "../db/local-disk.ts";

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export class OverlayDisk implements LocalDisk {
  /** Files copied up or written here; null: removed in the overlay. */
  private readonly files = new Map<string, Uint8Array | null>();
  /** Directories removed in the overlay (everything under them is gone unless written again). */
  private readonly removedDirs = new Set<string>();

  constructor(private readonly base: LocalDisk) {}

  /** Bytes written through the overlay (held in memory). */
  get heldBytes(): number {
    let total = 0;
    for (const bytes of this.files.values()) total += bytes?.length ?? 0;
    return total;
  }

  private hiddenInBase(path: string): boolean {
    for (const dir of this.removedDirs) if (path === dir || path.startsWith(`${dir}/`)) return true;
    return false;
  }

  /** The overlay's copy, or undefined when the base answers (null: removed). */
  private own(path: string): Uint8Array | null | undefined {
    const held = this.files.get(path);
    if (held !== undefined) return held;
    return this.hiddenInBase(path) ? null : undefined;
  }

  private async copyUp(path: string): Promise<Uint8Array> {
    const held = this.own(path);
    if (held) return held;
    const bytes = held === null ? new Uint8Array(0) : ((await this.base.readFile(path)) ?? new Uint8Array(0));
    const copy = bytes.slice();
    this.files.set(path, copy);
    return copy;
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    const held = this.own(path);
    if (held === undefined) return this.base.readFile(path);
    return held === null ? null : held.slice();
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(path, bytes.slice());
  }

  async read(path: string, position: number, length: number): Promise<Uint8Array> {
    const held = this.own(path);
    if (held === undefined) return this.base.read(path, position, length);
    if (held === null || position >= held.length || length <= 0) return new Uint8Array(0);
    return held.slice(position, Math.min(held.length, position + length));
  }

  async write(path: string, position: number, bytes: Uint8Array): Promise<void> {
    let current = await this.copyUp(path);
    if (position + bytes.length > current.length) {
      const grown = new Uint8Array(position + bytes.length);
      grown.set(current);
      current = grown;
    }
    current.set(bytes, position);
    this.files.set(path, current);
  }

  async size(path: string): Promise<number | null> {
    const held = this.own(path);
    if (held === undefined) return this.base.size(path);
    return held === null ? null : held.length;
  }

  async truncate(path: string, length: number): Promise<void> {
    const current = await this.copyUp(path);
    const resized = new Uint8Array(length);
    resized.set(current.subarray(0, Math.min(length, current.length)));
    this.files.set(path, resized);
  }

  async list(dir: string): Promise<string[]> {
    const names = new Set<string>(this.hiddenInBase(dir) ? [] : await this.base.list(dir));
    for (const [path, bytes] of this.files) {
      if (parentOf(path) !== dir) continue;
      if (bytes === null) names.delete(nameOf(path));
      else names.add(nameOf(path));
    }
    for (const name of [...names]) if (this.own(joinPath(dir, name)) === null) names.delete(name);
    return [...names].sort();
  }

  async rename(from: string, to: string): Promise<void> {
    const bytes = await this.readFile(from);
    if (bytes === null) throw new Error(`overlay rename: ${from} does not exist`);
    this.files.set(to, bytes);
    this.files.set(from, null);
  }

  async remove(path: string): Promise<void> {
    this.removedDirs.add(path);
    for (const key of [...this.files.keys()])
      if (key === path || key.startsWith(`${path}/`)) this.files.set(key, null);
  }
}
