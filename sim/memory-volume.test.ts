import fc from "fast-check";
import { Volume } from "memfs";
import { describe, expect, it } from "vitest";
import { MemoryVolume } from "./memory-volume.ts";

/** The memfs-backed disk the volume replaced, call for call: the reference behaviour. */
class MemfsReference {
  private vol = new Volume();
  private ensureDir(path: string) {
    const slash = path.lastIndexOf("/");
    this.vol.mkdirSync(slash <= 0 ? "/" : path.slice(0, slash), { recursive: true });
  }
  size(path: string): number | null {
    return this.vol.existsSync(path) ? this.vol.statSync(path).size : null;
  }
  readFile(path: string): Uint8Array | null {
    return this.vol.existsSync(path) ? new Uint8Array(this.vol.readFileSync(path) as Buffer) : null;
  }
  writeFile(path: string, bytes: Uint8Array): void {
    this.ensureDir(path);
    this.vol.writeFileSync(path, bytes);
  }
  read(path: string, position: number, length: number): Uint8Array {
    const size = this.size(path);
    if (size === null || position >= size || length <= 0) return new Uint8Array(0);
    const take = Math.min(length, size - position);
    const out = Buffer.alloc(take);
    const fd = this.vol.openSync(path, "r");
    const got = this.vol.readSync(fd, out, 0, take, position);
    this.vol.closeSync(fd);
    return new Uint8Array(out.subarray(0, got));
  }
  write(path: string, position: number, bytes: Uint8Array): void {
    this.ensureDir(path);
    const fd = this.vol.openSync(path, this.size(path) === null ? "w+" : "r+");
    this.vol.writeSync(fd, bytes, 0, bytes.length, position);
    this.vol.closeSync(fd);
  }
  truncate(path: string, length: number): void {
    this.ensureDir(path);
    if (this.size(path) === null) this.vol.writeFileSync(path, new Uint8Array(0));
    this.vol.truncateSync(path, length);
  }
  list(dir: string): string[] {
    return this.vol.existsSync(dir) ? (this.vol.readdirSync(dir) as string[]).map(String).sort() : [];
  }
  rename(from: string, to: string): void {
    this.ensureDir(to);
    this.vol.renameSync(from, to);
  }
  remove(path: string): void {
    this.vol.rmSync(path, { recursive: true, force: true });
  }
}

// File paths only under two directories, so no operation meets a file where a directory is.
const file = fc.constantFrom("/data/a", "/data/b", "/data/wal/000001", "/data/wal/000002", "/data/x/y/z");
const dir = fc.constantFrom("/", "/data", "/data/wal", "/data/x", "/data/x/y", "/none");
const bytes = fc.uint8Array({ maxLength: 40 });
const operation = fc.oneof(
  fc.record({ op: fc.constant("writeFile" as const), path: file, bytes }),
  fc.record({ op: fc.constant("write" as const), path: file, position: fc.nat(60), bytes }),
  fc.record({ op: fc.constant("read" as const), path: file, position: fc.nat(60), length: fc.nat(60) }),
  fc.record({ op: fc.constant("truncate" as const), path: file, length: fc.nat(80) }),
  fc.record({ op: fc.constant("readFile" as const), path: file }),
  fc.record({ op: fc.constant("size" as const), path: file }),
  fc.record({ op: fc.constant("list" as const), path: dir }),
  fc.record({ op: fc.constant("rename" as const), path: file, to: file }),
  fc.record({ op: fc.constant("remove" as const), path: fc.oneof(file, dir) }),
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

function apply(disk: MemoryVolume | MemfsReference, step: Operation): unknown {
  try {
    switch (step.op) {
      case "writeFile":
        return disk.writeFile(step.path, step.bytes);
      case "write":
        return disk.write(step.path, step.position, step.bytes);
      case "read":
        return [...disk.read(step.path, step.position, step.length)];
      case "truncate":
        return disk.truncate(step.path, step.length);
      case "readFile": {
        const got = disk.readFile(step.path);
        return got === null ? null : [...got];
      }
      case "size":
        return disk.size(step.path);
      case "list":
        return disk.list(step.path);
      case "rename":
        return step.path === step.to ? "same" : disk.rename(step.path, step.to);
      case "remove":
        return disk.remove(step.path);
    }
  } catch (error) {
    return `error ${(error as { code?: string }).code}`;
  }
}

describe("MemoryVolume", () => {
  it("behaves as the memfs disk it replaced on random operation sequences", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (steps) => {
        const volume = new MemoryVolume();
        const reference = new MemfsReference();
        for (const step of steps)
          expect(apply(volume, step), JSON.stringify(step)).toEqual(apply(reference, step));
      }),
      { numRuns: 300, seed: 20 },
    );
  });

  it("gives copies: a caller changing bytes it wrote or read changes nothing stored", () => {
    const volume = new MemoryVolume();
    const written = new Uint8Array([1, 2, 3]);
    volume.writeFile("/f", written);
    written[0] = 9;
    const read = volume.readFile("/f")!;
    read[1] = 9;
    expect([...volume.read("/f", 0, 3)]).toEqual([1, 2, 3]);
  });

  it("reads zeros where a file was cut and then extended", () => {
    const volume = new MemoryVolume();
    volume.write("/w", 0, new Uint8Array([5, 5, 5, 5]));
    volume.truncate("/w", 1);
    volume.write("/w", 3, new Uint8Array([7]));
    expect([...volume.readFile("/w")!]).toEqual([5, 0, 0, 7]);
  });
});
