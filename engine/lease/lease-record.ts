/**
 * The lease object at `<prefix>/lease.json`: who holds the database's writer lease, with which
 * fencing token, until when. Times are epoch milliseconds on the WRITER's clock; a reader judges
 * expiry on its own clock (see lease.ts for what clock skew does to that).
 *
 * A released lease is not deleted but rewritten with `released: true`, so the object keeps the
 * highest token ever granted and tokens stay strictly increasing across the lease's history.
 */
import { assert } from "../runtime.ts";

export const LEASE_FORMAT_VERSION = 1;

export function leaseKey(prefix: string): string {
  return prefix === "" ? "lease.json" : `${prefix}/lease.json`;
}

export interface LeaseRecord {
  formatVersion: typeof LEASE_FORMAT_VERSION;
  holder: string;
  fencingToken: number;
  acquiredAtMs: number;
  /** Renewed by the holder; after it (plus the takeover grace) anyone may take over. */
  expiresAtMs: number;
  /** The holder gave it up: anyone may take it over at once. */
  released: boolean;
}

/** The lease object exists but cannot be read. Never taken over: an operator must look. */
export class LeaseCorruptError extends Error {
  override name = "LeaseCorruptError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`lease ${key} is corrupt: ${reason}; refusing to take it over`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeLease(record: LeaseRecord): Uint8Array {
  assert(record.holder !== "", "lease holder must be named");
  assert(
    Number.isSafeInteger(record.fencingToken) && record.fencingToken > 0,
    "lease token must be positive",
  );
  return encoder.encode(JSON.stringify(record));
}

export function decodeLease(bytes: Uint8Array, key: string): LeaseRecord {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new LeaseCorruptError(key, `not valid JSON, truncated? (${bytes.length} bytes: ${why})`);
  }
  const fail = (reason: string): never => {
    throw new LeaseCorruptError(key, reason);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("not a JSON object");
  const record = value as Record<string, unknown>;
  if (record.formatVersion !== LEASE_FORMAT_VERSION)
    fail(`formatVersion ${JSON.stringify(record.formatVersion)} is not ${LEASE_FORMAT_VERSION}`);
  if (typeof record.holder !== "string" || record.holder === "") fail("holder must be a non-empty string");
  for (const field of ["fencingToken", "acquiredAtMs", "expiresAtMs"] as const)
    if (typeof record[field] !== "number" || !Number.isSafeInteger(record[field]))
      fail(`${field} must be an integer`);
  if ((record.fencingToken as number) < 1) fail("fencingToken must be positive");
  if (typeof record.released !== "boolean") fail("released must be a boolean");
  return record as unknown as LeaseRecord;
}
