/** What the crash peer's parent and its child processes say to each other (JSON lines). */
import type { Row } from "../../engine/db/database.ts";

export const PEER_BUCKET = "blobsim-test";
export const PEER_TOKEN = "loopback-token";

export interface PeerRequest {
  mode: "life" | "verify";
  /** Process name; a writer's id, unique per life. */
  name: string;
  baseUrl: string;
  /** One schedule's objects live under their own prefix of the shared bucket. */
  storePrefix: string;
  seed: number;
  commitIntervalMs: number;
  /** Life only: the pinned point and the visit (of this life) that stops it dead; null: none. */
  killPoint: string | null;
  killVisit: number;
  writes: number;
  firstWriteId: number;
  writeIntervalMs: number;
  /** Writes with no rows (the read-only life's no-op commits). */
  noop: boolean;
  /** Terminate cleanly after the writes and report the writer's rows. */
  final: boolean;
}

export type WireRow = { key: string; value: string | null };

export function rowsToWire(rows: readonly Row[]): WireRow[] {
  return rows.map((row) => ({
    key: row.key,
    value: row.value === null ? null : Buffer.from(row.value).toString("base64"),
  }));
}

export function rowsFromWire(rows: readonly WireRow[]): Row[] {
  return rows.map((row) => ({
    key: row.key,
    value: row.value === null ? null : new Uint8Array(Buffer.from(row.value, "base64")),
  }));
}
