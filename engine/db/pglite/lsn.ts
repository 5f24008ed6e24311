/**
 * Postgres WAL positions. An LSN is a byte position in the WAL stream, printed "X/Y" (high and
 * low 32 bits in hex). Held here as a JS number: exact up to 2^53 bytes (8 PiB of WAL).
 * Segments are fixed-size files named timeline + segment number (PGlite: 16 MiB segments).
 */

export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
export const WAL_PAGE_BYTES = 8192;
const SEGMENTS_PER_XLOG_ID = 0x1_0000_0000 / WAL_SEGMENT_BYTES;

export class LsnFormatError extends Error {
  override name = "LsnFormatError";
}

export function parseLsn(text: string): number {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new LsnFormatError(`not an LSN: "${text}"`);
  return Number.parseInt(match[1]!, 16) * 0x1_0000_0000 + Number.parseInt(match[2]!, 16);
}

export function formatLsn(lsn: number): string {
  const high = Math.floor(lsn / 0x1_0000_0000);
  const low = lsn % 0x1_0000_0000;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

export function walSegmentNumber(lsn: number): number {
  return Math.floor(lsn / WAL_SEGMENT_BYTES);
}

export function walSegmentName(timeline: number, lsn: number): string {
  const segment = walSegmentNumber(lsn);
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(timeline)}${hex(Math.floor(segment / SEGMENTS_PER_XLOG_ID))}${hex(segment % SEGMENTS_PER_XLOG_ID)}`;
}

/** The LSN at which a segment file (by name) starts. */
export function walSegmentStart(name: string): number {
  if (!/^[0-9A-F]{24}$/.test(name)) throw new LsnFormatError(`not a WAL segment name: "${name}"`);
  const xlogId = Number.parseInt(name.slice(8, 16), 16);
  const segment = Number.parseInt(name.slice(16, 24), 16);
  return (xlogId * SEGMENTS_PER_XLOG_ID + segment) * WAL_SEGMENT_BYTES;
}
