/**
 * A minimal ustar reader and a canonical writer for Postgres data directories.
 *
 * PGlite's `dumpDataDir` writes a ustar archive (paths relative to PGDATA, sometimes split into
 * the prefix field); the reader accepts that. The writer is canonical: entries sorted by path,
 * mode 0700/0600, owner 0, mtime 0, so the same files always give the same bytes — the archive
 * hash is then a hash of the data directory's content, nothing else.
 */

export class TarFormatError extends Error {
  override name = "TarFormatError";
}

export type DataDirEntry = { kind: "dir"; path: string } | { kind: "file"; path: string; data: Uint8Array };

const BLOCK = 512;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function octal(header: Uint8Array, offset: number, length: number, what: string): number {
  const text = field(header, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`tar: bad octal ${what} "${text}"`);
  return Number.parseInt(text, 8);
}

/** Normalise to "/a/b" (relative to the data directory, leading slash, no trailing slash). */
export function normalisePath(raw: string): string {
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.some((part) => part === "..")) throw new TarFormatError(`tar: path escapes the data dir: ${raw}`);
  return `/${parts.join("/")}`;
}

/** Parses a (decompressed) ustar archive. Regular files and directories only. */
export function readTar(archive: Uint8Array): DataDirEntry[] {
  const entries: DataDirEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end-of-archive marker
    const name = field(header, 0, 100);
    const size = octal(header, 124, 12, "size");
    const type = String.fromCharCode(header[156] ?? 0);
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? field(header, 345, 155) : "";
    const path = normalisePath(prefix ? `${prefix}/${name}` : name);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) throw new TarFormatError(`tar: ${path} is truncated`);
    if (type === "5") entries.push({ kind: "dir", path });
    else if (type === "0" || type === "\0") {
      entries.push({ kind: "file", path, data: archive.slice(dataStart, dataStart + size) });
    } else throw new TarFormatError(`tar: unsupported entry type "${type}" for ${path}`);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, "0");
  header.set(encoder.encode(text), offset);
  header[offset + length - 1] = 0;
}

/** Writes a canonical ustar archive of the entries (sorted, fixed metadata). */
export function writeTar(entries: readonly DataDirEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let total = 2 * BLOCK;
  for (const entry of sorted) {
    total += BLOCK;
    if (entry.kind === "file") total += Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of sorted) {
    const header = out.subarray(offset, offset + BLOCK);
    const relative = entry.path.slice(1) + (entry.kind === "dir" ? "/" : "");
    const nameBytes = encoder.encode(relative);
    if (nameBytes.length > 100) {
      // Split at a slash into prefix (≤155) and name (≤100), as ustar requires.
      const cut = relative.lastIndexOf("/", relative.length - 2);
      const prefixBytes = encoder.encode(relative.slice(0, cut));
      const rest = encoder.encode(relative.slice(cut + 1));
      if (cut < 0 || prefixBytes.length > 155 || rest.length > 100)
        throw new TarFormatError(`tar: path too long: ${entry.path}`);
      header.set(rest, 0);
      header.set(prefixBytes, 345);
    } else header.set(nameBytes, 0);
    writeOctal(header, 100, 8, entry.kind === "dir" ? 0o700 : 0o600);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, entry.kind === "file" ? entry.data.length : 0);
    writeOctal(header, 136, 12, 0);
    header[156] = (entry.kind === "dir" ? "5" : "0").charCodeAt(0);
    header.set(encoder.encode("ustar\u000000"), 257);
    header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
    let checksum = 0;
    for (const byte of header) checksum += byte;
    writeOctal(header, 148, 7, checksum);
    header[155] = 0x20;
    offset += BLOCK;
    if (entry.kind === "file") {
      out.set(entry.data, offset);
      offset += Math.ceil(entry.data.length / BLOCK) * BLOCK;
    }
  }
  return out;
}
