/**
 * The lease object at `<prefix>/lease.json`: who holds the database's writer lease, with which
 * fencing token, until when. Times are epoch milliseconds on the WRITER's clock; a reader judges
 * expiry on its own clock (see lease.ts for what clock skew does to that).
 *
 * A released lease is not deleted but rewritten with `released: true`, so the object keeps the
 * highest token ever granted and tokens stay strictly increasing across the lease's history.
 */
import { assert } from "../runtime.ts";
import { LEASE_FORMAT_VERSION, leaseRecordProblem } from "./lease-schema.ts";

export { LEASE_FORMAT_VERSION };

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
  const problem = leaseRecordProblem(value);
  if (problem !== null) throw new LeaseCorruptError(key, problem);
  return value as LeaseRecord;
}
