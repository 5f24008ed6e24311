/**
 * Durability checkers over a workload's history and a restored database (DUR-1..DUR-3, E2B-1):
 *
 * - acked-write-durability: for every key, the restored row is the effect of the last acked
 *   write to it, or of a write issued after that one (which may have landed unacked);
 * - phantom-write: every restored row is exactly a value some attempted write put at that key
 *   ("nothing never attempted appears"), and its md5 (the per-row checksum) verifies;
 * - torn-commit: a write is visible entirely or not at all: a clean pre- or post-commit state;
 * - byte-identical reopen: two restores of the same manifest give the same rows, byte for byte.
 *
 * Writes are ordered by `issue`, the order in which the one writer applied them (its WAL order).
 */
import { createHash } from "node:crypto";
import type { Row } from "../engine/db/database.ts";

export type WriteStatus = "attempted" | "acked" | "failed" | "unknown";

export interface WriteRecord {
  id: number;
  /** Position in the writer's apply order (WAL order). */
  issue: number;
  rows: Row[];
  status: WriteStatus;
  /** Writer life that got the write. */
  life: number;
  /** When the client sent it and when its answer (or its timeout) came, on the client's clock. */
  sentAtMs?: number;
  settledAtMs?: number;
}

export interface DurabilityProblem {
  invariant: "acked-write-durability" | "phantom-write" | "torn-commit" | "row-checksum";
  message: string;
  writeId: number | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A row value carrying its own md5 and the writing write's id: `md5|writeId|key|filler`. */
export function encodeRowValue(writeId: number, key: string, filler: string): Uint8Array {
  const body = `${writeId}|${key}|${filler}`;
  return encoder.encode(`${createHash("md5").update(body).digest("hex")}|${body}`);
}

/** The write id a value names, or null if its md5 does not verify. */
export function decodeRowValue(value: Uint8Array): { writeId: number; key: string } | null {
  const text = decoder.decode(value);
  const bar = text.indexOf("|");
  if (bar !== 32) return null;
  const body = text.slice(33);
  if (createHash("md5").update(body).digest("hex") !== text.slice(0, 32)) return null;
  const [id, key] = body.split("|");
  const writeId = Number(id);
  if (!Number.isSafeInteger(writeId) || key === undefined) return null;
  return { writeId, key };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

interface Touch {
  write: WriteRecord;
  value: Uint8Array | null;
}

/** Every problem of `restored` against the history; empty when it is a state the history allows. */
export function checkRestoredRows(
  writes: readonly WriteRecord[],
  restored: readonly Row[],
): DurabilityProblem[] {
  const problems: DurabilityProblem[] = [];
  const byId = new Map<number, WriteRecord>();
  const touches = new Map<string, Touch[]>();
  for (const write of writes) {
    byId.set(write.id, write);
    for (const row of write.rows) {
      const list = touches.get(row.key) ?? [];
      list.push({ write, value: row.value });
      touches.set(row.key, list);
    }
  }
  const current = new Map<string, WriteRecord>(); // key -> write whose value is restored
  for (const row of restored) {
    if (row.value === null) continue;
    const decoded = decodeRowValue(row.value);
    if (!decoded || decoded.key !== row.key) {
      problems.push({
        invariant: "row-checksum",
        message: `row ${row.key}: md5 does not verify`,
        writeId: null,
      });
      continue;
    }
    const write = byId.get(decoded.writeId);
    const touch = touches.get(row.key)?.find((t) => t.write.id === decoded.writeId);
    if (!write || !touch || touch.value === null || !sameBytes(touch.value, row.value)) {
      problems.push({
        invariant: "phantom-write",
        message: `row ${row.key} holds a value of write ${decoded.writeId}, which never wrote it`,
        writeId: decoded.writeId,
      });
      continue;
    }
    current.set(row.key, write);
  }
  // A key's state is explained by write `from` if it shows `from`'s effect or a later write's.
  const explainedAfter = (key: string, issue: number, inclusive: boolean): boolean => {
    const shown = current.get(key);
    if (shown) return inclusive ? shown.issue >= issue : shown.issue > issue;
    return (touches.get(key) ?? []).some(
      (t) => t.value === null && (inclusive ? t.write.issue >= issue : t.write.issue > issue),
    );
  };
  for (const [key, list] of touches) {
    let lastAcked: WriteRecord | null = null;
    for (const touch of list)
      if (touch.write.status === "acked" && (!lastAcked || touch.write.issue > lastAcked.issue))
        lastAcked = touch.write;
    if (lastAcked && !explainedAfter(key, lastAcked.issue, true)) {
      const shown = current.get(key);
      problems.push({
        invariant: "acked-write-durability",
        message: `acked write ${lastAcked.id} (life ${lastAcked.life}) to ${key} is lost: restored ${
          shown ? `write ${shown.id}` : "no row"
        }`,
        writeId: lastAcked.id,
      });
    }
  }
  for (const write of writes) {
    const visible = write.rows.some((row) => row.value !== null && current.get(row.key)?.id === write.id);
    if (!visible) continue;
    for (const row of write.rows) {
      const shows =
        row.value === null
          ? !current.has(row.key) || explainedAfter(row.key, write.issue, false)
          : current.get(row.key)?.id === write.id || explainedAfter(row.key, write.issue, false);
      if (!shows)
        problems.push({
          invariant: "torn-commit",
          message: `write ${write.id} is partly visible: row ${row.key} shows an older state`,
          writeId: write.id,
        });
    }
  }
  return problems;
}

/** First difference between two restored states, or null if byte-identical. */
export function firstDifference(a: readonly Row[], b: readonly Row[]): string | null {
  if (a.length !== b.length) return `${a.length} rows vs ${b.length} rows`;
  for (let index = 0; index < a.length; index++) {
    const left = a[index]!;
    const right = b[index]!;
    if (left.key !== right.key) return `row ${index}: key ${left.key} vs ${right.key}`;
    const same =
      left.value === null || right.value === null
        ? left.value === right.value
        : sameBytes(left.value, right.value);
    if (!same) return `row ${left.key}: values differ`;
  }
  return null;
}
