/**
 * The workload driver: clients send keyed-row writes to the current writer and record each as
 * attempted, acked, failed or unknown (no answer within the timeout, e.g. the writer died). Each
 * row's value carries its own md5 and the id of its write (invariants/durability.ts), so the
 * history is an oracle for any restored state.
 */
import type { Row } from "../../engine/db/database.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Rng } from "../../sim/rng.ts";
import { encodeRowValue, type WriteRecord } from "../../invariants/durability.ts";
import type { WriterNode } from "./writer-node.ts";

export interface WorkloadOptions {
  /** Distinct keys; a small space makes overwrites and deletes common. */
  keySpace: number;
  rowsPerWriteMax: number;
  deleteProbability: number;
  /** A write with no rows: the database is "dirty" without WAL growth (B10). */
  noopProbability: number;
  /** A value large enough to cross WAL pages and files. */
  bigValueProbability: number;
  bigValueBytes: number;
  /** A write without an answer after this long is "unknown". */
  answerTimeoutMs: number;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  keySpace: 40,
  rowsPerWriteMax: 4,
  deleteProbability: 0.1,
  noopProbability: 0.05,
  bigValueProbability: 0.05,
  bigValueBytes: 20_000,
  answerTimeoutMs: 60_000,
};

export class Workload {
  readonly writes: WriteRecord[] = [];
  private nextId = 1;
  private nextIssue = 0;

  constructor(readonly options: WorkloadOptions = DEFAULT_WORKLOAD) {}

  makeRows(rng: Rng, writeId: number): Row[] {
    if (rng.chance(this.options.noopProbability)) return [];
    const count = rng.int(1, this.options.rowsPerWriteMax);
    const keys = new Set<string>();
    for (let n = 0; n < count; n++)
      keys.add(`k${String(rng.int(0, this.options.keySpace - 1)).padStart(4, "0")}`);
    return [...keys].map((key) => {
      if (rng.chance(this.options.deleteProbability)) return { key, value: null };
      const size = rng.chance(this.options.bigValueProbability)
        ? this.options.bigValueBytes
        : rng.int(8, 300);
      return { key, value: encodeRowValue(writeId, key, "v".repeat(size)) };
    });
  }

  /** Send one write from `client` to `node`, wait for its answer (or the timeout), record it. */
  async send(
    client: SimProcess,
    node: WriterNode,
    life: number,
    rows?: Row[] | ((writeId: number) => Row[]),
  ): Promise<WriteRecord> {
    const id = this.nextId++;
    const record: WriteRecord = {
      id,
      issue: -1,
      rows: rows === undefined ? this.makeRows(client.rng, id) : typeof rows === "function" ? rows(id) : rows,
      status: "attempted",
      life,
    };
    this.writes.push(record);
    if (!node.process.alive) {
      record.status = "failed"; // never reached a live writer: never applied
      return record;
    }
    // The writer applies writes in call order: this is the write's place in its WAL.
    record.issue = this.nextIssue++;
    record.sentAtMs = client.clock.nowMs();
    const answer = node.process.guard(node.durable.write(record.rows)).then(
      () => "acked" as const,
      () => "failed" as const,
    );
    client.log("write.sent", { id, rows: record.rows.length, writer: node.process.name });
    const cancel = new AbortController();
    const timeout = client.sleep(this.options.answerTimeoutMs, cancel.signal).then(
      () => "unknown" as const,
      () => "unknown" as const,
    );
    record.status = await Promise.race([answer, timeout]);
    record.settledAtMs = client.clock.nowMs();
    cancel.abort();
    client.log(`write.${record.status}`, { id });
    return record;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = { attempted: 0, acked: 0, failed: 0, unknown: 0 };
    for (const write of this.writes) counts[write.status] = (counts[write.status] ?? 0) + 1;
    return counts;
  }
}
