/**
 * The in-memory file tree behind a simulated local disk (local-disk.ts): directories and files
 * as plain objects, synchronous, no clock, no permissions. It replaced a memfs volume on the hot
 * path: memfs keeps a POSIX file system (inodes, timestamps, uid/gid checks, stats objects) and a
 * CPU profile put a quarter of a WAL seed's time in it (`blobsim bench --profile`). Behaviour is
 * memfs's for everything the LocalDisk interface does (memory-volume.test.ts runs both side by
 * side on random operation sequences), so no trace hash moves.
 *
 * Files grow by doubling their capacity: a WAL file is written a page at a time at its end.
 */

interface FileNode {
  kind: "file";
  bytes: Uint8Array;
  size: number;
}

interface DirNode {
  kind: "dir";
  children: Map<string, FileNode | DirNode>;
}

type Node = FileNode | DirNode;

/** A file-system error with the errno code memfs (and node:fs) would give. */
export class VolumeError extends Error {
  override name = "VolumeError";
  constructor(
    readonly code: "ENOENT" | "ENOTDIR" | "EISDIR",
    operation: string,
    path: string,
  ) {
    super(`${code}: ${operation} '${path}'`);
  }
}

function segmentsOf(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function newDir(): DirNode {
  return { kind: "dir", children: new Map() };
}

export class MemoryVolume {
  private root: DirNode = newDir();

  /** Forget everything (a killed instance's tmpfs). */
  wipe(): void {
    this.root = newDir();
  }

  private lookup(path: string, operation: string): Node | undefined {
    let node: Node = this.root;
    for (const segment of segmentsOf(path)) {
      if (node.kind !== "dir") throw new VolumeError("ENOTDIR", operation, path);
      const child: Node | undefined = node.children.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  /** The directory that holds `path` (created with its ancestors) and the entry's name in it. */
  private parentOf(path: string, operation: string): { dir: DirNode; name: string } {
    const segments = segmentsOf(path);
    const name = segments.pop();
    if (name === undefined) throw new VolumeError("EISDIR", operation, path);
    let dir = this.root;
    for (const segment of segments) {
      let child = dir.children.get(segment);
      if (child === undefined) {
        child = newDir();
        dir.children.set(segment, child);
      } else if (child.kind !== "dir") throw new VolumeError("ENOTDIR", operation, path);
      dir = child;
    }
    return { dir, name };
  }

  private fileFor(path: string, operation: string): FileNode {
    const { dir, name } = this.parentOf(path, operation);
    const existing = dir.children.get(name);
    if (existing?.kind === "dir") throw new VolumeError("EISDIR", operation, path);
    if (existing !== undefined) return existing;
    const file: FileNode = { kind: "file", bytes: new Uint8Array(0), size: 0 };
    dir.children.set(name, file);
    return file;
  }

  exists(path: string): boolean {
    return this.lookup(path, "stat") !== undefined;
  }

  /** Size in bytes of a file, 0 for a directory, null if absent. */
  size(path: string): number | null {
    const node = this.lookup(path, "stat");
    if (node === undefined) return null;
    return node.kind === "file" ? node.size : 0;
  }

  /** A copy of the whole file, or null if absent. */
  readFile(path: string): Uint8Array | null {
    const node = this.lookup(path, "open");
    if (node === undefined) return null;
    if (node.kind === "dir") throw new VolumeError("EISDIR", "read", path);
    return node.bytes.slice(0, node.size);
  }

  writeFile(path: string, bytes: Uint8Array): void {
    const file = this.fileFor(path, "open");
    file.bytes = bytes.slice();
    file.size = bytes.length;
  }

  /** A copy of up to `length` bytes from `position`: short at the end, empty past it or if absent. */
  read(path: string, position: number, length: number): Uint8Array {
    const node = this.lookup(path, "open");
    if (node === undefined) return new Uint8Array(0);
    if (node.kind === "dir") throw new VolumeError("EISDIR", "read", path);
    if (position >= node.size || length <= 0) return new Uint8Array(0);
    return node.bytes.slice(position, Math.min(node.size, position + length));
  }

  /** Write at `position`, creating the file and zero-filling any gap. */
  write(path: string, position: number, bytes: Uint8Array): void {
    const file = this.fileFor(path, "open");
    if (bytes.length === 0) return; // as write(2): an empty write creates, never extends
    const end = position + bytes.length;
    this.reserve(file, end);
    file.bytes.set(bytes, position);
    if (end > file.size) file.size = end;
  }

  /** Cut or zero-extend to exactly `length`, creating the file if absent. */
  truncate(path: string, length: number): void {
    const file = this.fileFor(path, "open");
    if (length < file.size)
      file.bytes.fill(0, length, file.size); // a later extension reads zeros
    else this.reserve(file, length);
    file.size = length;
  }

  /** Names directly inside `dir`, sorted; empty if absent. */
  list(dir: string): string[] {
    const node = this.lookup(dir, "scandir");
    if (node === undefined) return [];
    if (node.kind !== "dir") throw new VolumeError("ENOTDIR", "scandir", dir);
    return [...node.children.keys()].sort();
  }

  /** Move a file or a directory tree; replaces a file at `to`. */
  rename(from: string, to: string): void {
    const target = this.parentOf(to, "rename"); // first, as the disk made `to`'s directory before
    const source = this.lookup(from, "rename");
    if (source === undefined) throw new VolumeError("ENOENT", "rename", from);
    const fromParent = this.parentOf(from, "rename");
    fromParent.dir.children.delete(fromParent.name);
    target.dir.children.set(target.name, source);
  }

  /** Remove a file or a whole tree; absent is fine. */
  remove(path: string): void {
    const segments = segmentsOf(path);
    if (segments.length === 0) return; // memfs leaves the root alone; so does this
    if (this.lookup(path, "rm") === undefined) return;
    const { dir, name } = this.parentOf(path, "rm");
    dir.children.delete(name);
  }

  private reserve(file: FileNode, bytes: number): void {
    if (bytes <= file.bytes.length) return;
    const grown = new Uint8Array(Math.max(bytes, file.bytes.length * 2));
    grown.set(file.bytes.subarray(0, file.size));
    file.bytes = grown;
  }
}
