/**
 * Op IDs: 26 characters of Crockford base32 in the ULID layout, 10 for a 48-bit millisecond
 * timestamp and 16 for an 80-bit sequence. Fixed width and an alphabet in ascending ASCII order
 * make string order the same as (time, sequence) order, so cursors compare as plain strings.
 * Only the canonical upper-case form is accepted: a lower-case ID would compare wrongly.
 */
import { InvalidOpIdError } from "./errors.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
const SEQUENCE_CHARS = 16;
export const OP_ID_LENGTH = TIME_CHARS + SEQUENCE_CHARS;
export const OP_ID_TIME_MAX_MS = 2 ** 48 - 1;
const SEQUENCE_MAX = 2n ** 80n - 1n;
const DIGIT = new Map([...ALPHABET].map((char, index) => [char, index]));

export interface ParsedOpId {
  timeMs: number;
  sequence: bigint;
}

export function encodeOpId(timeMs: number, sequence: bigint): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs > OP_ID_TIME_MAX_MS) {
    throw new RangeError(`op ID time out of range: ${timeMs}`);
  }
  if (sequence < 0n || sequence > SEQUENCE_MAX) throw new RangeError(`op ID sequence out of range`);
  let time = "";
  let rest = timeMs;
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[rest % 32]! + time;
    rest = Math.floor(rest / 32);
  }
  let seq = "";
  let restSeq = sequence;
  for (let i = 0; i < SEQUENCE_CHARS; i++) {
    seq = ALPHABET[Number(restSeq % 32n)]! + seq;
    restSeq /= 32n;
  }
  return time + seq;
}

/** Parses a canonical op ID; anything else is an InvalidOpIdError naming the reason. */
export function parseOpId(text: string): ParsedOpId {
  if (typeof text !== "string") throw new InvalidOpIdError(String(text), "not a string");
  if (text.length !== OP_ID_LENGTH) throw new InvalidOpIdError(text, `length ${text.length}, want 26`);
  let timeMs = 0;
  for (let i = 0; i < TIME_CHARS; i++) {
    const digit = DIGIT.get(text[i]!);
    if (digit === undefined) throw new InvalidOpIdError(text, `bad character at ${i}`);
    timeMs = timeMs * 32 + digit;
  }
  if (timeMs > OP_ID_TIME_MAX_MS) throw new InvalidOpIdError(text, "time overflows 48 bits");
  let sequence = 0n;
  for (let i = TIME_CHARS; i < OP_ID_LENGTH; i++) {
    const digit = DIGIT.get(text[i]!);
    if (digit === undefined) throw new InvalidOpIdError(text, `bad character at ${i}`);
    sequence = sequence * 32n + BigInt(digit);
  }
  return { timeMs, sequence };
}

export function tryParseOpId(text: string): ParsedOpId | null {
  try {
    return parseOpId(text);
  } catch (error) {
    if (error instanceof InvalidOpIdError) return null;
    throw error;
  }
}

/** The lowest ID of millisecond `timeMs`: every op stamped earlier sorts below it. */
export function opIdAtTime(timeMs: number): string {
  return encodeOpId(Math.max(0, Math.min(OP_ID_TIME_MAX_MS, Math.floor(timeMs))), 0n);
}

/** The zero ID (time 0): what a buggy parser makes of a value it cannot read. */
export const ZERO_OP_ID = encodeOpId(0, 0n);

/**
 * Hands out strictly increasing IDs from a clock reading. Sequences start at 1 so that
 * `opIdAtTime(t)` sorts strictly below every op of millisecond t. A clock that steps back
 * reuses the last millisecond rather than going back in ID order.
 */
export class OpIdGenerator {
  private lastMs = -1;
  private sequence = 0n;

  next(nowMs: number): string {
    const timeMs = Math.max(Math.floor(nowMs), this.lastMs);
    this.sequence = timeMs === this.lastMs ? this.sequence + 1n : 1n;
    this.lastMs = timeMs;
    return encodeOpId(timeMs, this.sequence);
  }
}
