/**
 * The example engine's record formats, deliberately unlike blobsim's: the lease is a line of
 * `key=value` pairs in its own object (`<prefix>/owner.lease`), the head is a compact JSON log
 * (`<prefix>/HEAD`). Its fencing number is the `epoch`.
 */
export interface LeaseLine {
  owner: string;
  epoch: number;
  /** Epoch ms on the owner's clock after which the lease may be taken. */
  until: number;
  state: "held" | "released";
}

export interface Head {
  format: "etag-head/1";
  epoch: number;
  owner: string | null;
  /** Data objects in commit order, each with its byte length. */
  log: { key: string; len: number }[];
  /** Bytes committed so far: where the next commit starts. */
  end: number;
}

export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function leaseObjectKey(prefix: string): string {
  return `${prefix}/owner.lease`;
}

export function headKey(prefix: string): string {
  return `${prefix}/HEAD`;
}

export function encodeLeaseLine(line: LeaseLine): Uint8Array {
  return encoder.encode(`owner=${line.owner};epoch=${line.epoch};until=${line.until};state=${line.state}`);
}

export function decodeLeaseLine(bytes: Uint8Array): LeaseLine {
  const fields = new Map(
    decoder
      .decode(bytes)
      .split(";")
      .map((pair) => pair.split("=", 2) as [string, string]),
  );
  const epoch = Number(fields.get("epoch"));
  const until = Number(fields.get("until"));
  const owner = fields.get("owner");
  const state = fields.get("state");
  if (
    !owner ||
    !Number.isSafeInteger(epoch) ||
    !Number.isFinite(until) ||
    (state !== "held" && state !== "released")
  )
    throw new RecordFormatError(`not a lease line: ${decoder.decode(bytes).slice(0, 80)}`);
  return { owner, epoch, until, state };
}

export function emptyHead(): Head {
  return { format: "etag-head/1", epoch: 0, owner: null, log: [], end: 0 };
}

export function encodeHead(head: Head): Uint8Array {
  return encoder.encode(JSON.stringify(head));
}

export function decodeHead(bytes: Uint8Array): Head {
  const value = JSON.parse(decoder.decode(bytes)) as Partial<Head>;
  if (value.format !== "etag-head/1" || !Array.isArray(value.log) || typeof value.epoch !== "number")
    throw new RecordFormatError("not an etag-head/1 object");
  return value as Head;
}
