/**
 * The model database's WAL records and file layout, shaped after Postgres where it matters to
 * WAL shipping:
 * - a record starts with a 24-byte header (magic, total length, its own LSN, CRC of the
 *   payload, type), like XLogRecord; a record whose LSN field is not its position, whose CRC
 *   fails or whose magic is absent marks the end of WAL: stale bytes of a recycled file and the
 *   zeros of a preallocated one both end replay there;
 * - records are laid end to end in one LSN stream, spanning pages and files freely;
 * - the stream is cut into fixed-size WAL files (preallocated, recycled), read in 8 KB pages.
 */
import { crc32 } from "node:zlib";
import { joinPath } from "../local-disk.ts";
import type { Lsn, WalFilePosition, WalLayout } from "../database.ts";

export const RECORD_HEADER_BYTES = 24;
export const RECORD_MAGIC = 0x57414c31; // "WAL1"
export const WAL_PAGE_BYTES = 8192;
/** No record is larger (a row value is capped well below it). */
export const RECORD_BYTES_MAX = 64 * 1024 * 1024;

export const enum RecordType {
  Put = 1,
  Delete = 2,
  Commit = 3,
  /** Background bookkeeping (Postgres: running-xacts): no data, written on its own schedule. */
  Background = 4,
}

export interface WalRecord {
  type: RecordType;
  txid: number;
  key: string;
  value: Uint8Array | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function modelWalLayout(segmentBytes: number, walDir = "wal"): WalLayout {
  if (
    !Number.isSafeInteger(segmentBytes) ||
    segmentBytes < WAL_PAGE_BYTES ||
    segmentBytes % WAL_PAGE_BYTES !== 0
  )
    throw new RangeError(`segmentBytes ${segmentBytes} must be a positive multiple of ${WAL_PAGE_BYTES}`);
  return {
    segmentBytes,
    pageBytes: WAL_PAGE_BYTES,
    recordHeaderBytes: RECORD_HEADER_BYTES,
    fileFor(lsn: Lsn): WalFilePosition {
      const index = Math.floor(lsn / segmentBytes);
      return {
        path: joinPath(walDir, index.toString(16).toUpperCase().padStart(16, "0")),
        offset: lsn - index * segmentBytes,
        fileStartLsn: index * segmentBytes,
      };
    },
  };
}

/** Payload: u32 txid, u16 key length, key, u32 value length (0xFFFFFFFF: none), value. */
function encodePayload(record: WalRecord): Uint8Array {
  const key = encoder.encode(record.key);
  const valueLength = record.value === null ? 0 : record.value.length;
  const payload = new Uint8Array(4 + 2 + key.length + 4 + valueLength);
  const view = new DataView(payload.buffer);
  view.setUint32(0, record.txid);
  view.setUint16(4, key.length);
  payload.set(key, 6);
  view.setUint32(6 + key.length, record.value === null ? 0xffffffff : valueLength);
  if (record.value !== null) payload.set(record.value, 10 + key.length);
  return payload;
}

/** Encode `record` to sit at `lsn`. */
export function encodeRecord(record: WalRecord, lsn: Lsn): Uint8Array {
  const payload = encodePayload(record);
  const bytes = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  writeHeader(bytes, lsn, record.type, payload);
  bytes.set(payload, RECORD_HEADER_BYTES);
  return bytes;
}

/** Header alone, for a record whose payload is written later (the dangling header, B13). */
export function encodeHeader(type: RecordType, payload: Uint8Array, lsn: Lsn): Uint8Array {
  const header = new Uint8Array(RECORD_HEADER_BYTES);
  writeHeader(header, lsn, type, payload);
  return header;
}

export function backgroundPayload(txid: number): Uint8Array {
  return encodePayload({ type: RecordType.Background, txid, key: "", value: null });
}

function writeHeader(target: Uint8Array, lsn: Lsn, type: RecordType, payload: Uint8Array): void {
  const view = new DataView(target.buffer, target.byteOffset, RECORD_HEADER_BYTES);
  view.setUint32(0, RECORD_MAGIC);
  view.setUint32(4, RECORD_HEADER_BYTES + payload.length);
  view.setUint32(8, lsn % 0x1_0000_0000);
  view.setUint32(12, Math.floor(lsn / 0x1_0000_0000));
  view.setUint32(16, crc32(payload) >>> 0);
  view.setUint32(20, type);
}

export interface HeaderFields {
  totalBytes: number;
  crc: number;
  type: RecordType;
}

/** The header's fields if it is a plausible header for a record at `lsn`, else null (end of WAL). */
export function parseHeader(header: Uint8Array, lsn: Lsn): HeaderFields | null {
  if (header.length < RECORD_HEADER_BYTES) return null;
  const view = new DataView(header.buffer, header.byteOffset, RECORD_HEADER_BYTES);
  if (view.getUint32(0) !== RECORD_MAGIC) return null;
  const totalBytes = view.getUint32(4);
  if (totalBytes < RECORD_HEADER_BYTES + 10 || totalBytes > RECORD_BYTES_MAX) return null;
  const ownLsn = view.getUint32(8) + view.getUint32(12) * 0x1_0000_0000;
  if (ownLsn !== lsn) return null; // stale bytes of a recycled file, or garbage
  const type = view.getUint32(20);
  if (type < RecordType.Put || type > RecordType.Background) return null;
  return { totalBytes, crc: view.getUint32(16), type: type as RecordType };
}

/** The record from its payload if the CRC matches, else null (end of WAL). */
export function parsePayload(fields: HeaderFields, payload: Uint8Array): WalRecord | null {
  if (crc32(payload) >>> 0 !== fields.crc) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const txid = view.getUint32(0);
  const keyLength = view.getUint16(4);
  if (10 + keyLength > payload.length) return null;
  const key = decoder.decode(payload.subarray(6, 6 + keyLength));
  const valueLength = view.getUint32(6 + keyLength);
  const value =
    valueLength === 0xffffffff ? null : payload.slice(10 + keyLength, 10 + keyLength + valueLength);
  if (value !== null && value.length !== valueLength) return null;
  return { type: fields.type, txid, key, value };
}
