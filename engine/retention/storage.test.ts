/**
 * One body of contract tests for both storage implementations: in memory, and in an object
 * store (here a minimal in-memory BlobStore with generation numbers, defined below).
 */
import { describe, expect, it } from "vitest";
import type { BlobStore, ListPage, PutOptions } from "../blobstore/blob-store.ts";
import { NotFoundError, PreconditionFailedError, RateLimitedError } from "../blobstore/errors.ts";
import { BlobCursorTable, BlobOpsLog } from "./blob-storage.ts";
import { CursorConflictError, OpOrderError } from "./errors.ts";
import { MemoryCursorTable, MemoryOpsLog } from "./memory-storage.ts";
import { OpIdGenerator } from "./op-id.ts";
import type { CursorTable, OpsLog } from "./storage.ts";
import { appendOps, ManualClock } from "./test-support.ts";

class TinyBlobStore implements BlobStore {
  readonly objects = new Map<string, { bytes: Uint8Array; generation: number }>();
  private generation = 0;
  beforeGet: ((key: string) => Promise<void>) | null = null;

  async get(key: string) {
    if (this.beforeGet) await this.beforeGet(key);
    const object = this.objects.get(key);
    return object
      ? { bytes: object.bytes, version: String(object.generation), size: object.bytes.length }
      : null;
  }
  async head(key: string) {
    const object = this.objects.get(key);
    return object ? { version: String(object.generation), size: object.bytes.length } : null;
  }
  async put(key: string, bytes: Uint8Array, options: PutOptions = {}) {
    const current = this.objects.get(key);
    if (options.ifNoneMatch && current) throw new PreconditionFailedError("exists", key);
    if (options.ifMatch !== undefined && String(current?.generation) !== options.ifMatch) {
      throw new PreconditionFailedError("version mismatch", key);
    }
    this.objects.set(key, { bytes, generation: ++this.generation });
    return String(this.generation);
  }
  async list(prefix: string): Promise<ListPage> {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    return { entries: keys.map((key) => ({ key, version: "", size: this.objects.get(key)!.bytes.length })) };
  }
  async delete(key: string) {
    if (!this.objects.delete(key)) throw new NotFoundError("absent", key);
  }
}

const kinds: Array<[string, () => { log: OpsLog; cursors: CursorTable; store?: TinyBlobStore }]> = [
  ["memory", () => ({ log: new MemoryOpsLog(), cursors: new MemoryCursorTable() })],
  [
    "blob store",
    () => {
      const store = new TinyBlobStore();
      return { log: new BlobOpsLog(store, "r/"), cursors: new BlobCursorTable(store, "r/"), store };
    },
  ],
];

describe.each(kinds)("%s storage", (_, make) => {
  it("keeps ops in ID order, refuses out-of-order appends, reads after a cursor", async () => {
    const { log } = make();
    const clock = new ManualClock();
    const ops = await appendOps(log, clock, new OpIdGenerator(), 12);
    await expect(log.append({ id: ops[3]!, table: "t", body: "x" })).rejects.toBeInstanceOf(OpOrderError);
    expect((await log.readAfter(ops[4]!, 3)).map((op) => op.id)).toEqual(ops.slice(5, 8));
    expect((await log.readAfter(null, 2)).map((op) => op.id)).toEqual(ops.slice(0, 2));
  });

  it("prunes physically, oldest first, and raises the watermark", async () => {
    const { log, store } = make();
    const ops = await appendOps(log, new ManualClock(), new OpIdGenerator(), 12);
    expect(await log.deleteBelow(ops[5]!, 3)).toBe(3);
    expect(await log.deleteBelow(ops[5]!, 10)).toBe(2);
    expect(await log.prunedThroughId()).toBe(ops[4]);
    expect((await log.physicalSize()).rows).toBe(7);
    if (store) expect([...store.objects.keys()].filter((key) => key.startsWith("r/ops/"))).toHaveLength(7);
    expect(await log.snapshot(ops[1]!, 2)).toMatchObject({
      prunedThroughId: ops[4],
      ops: [{ id: ops[5] }, { id: ops[6] }],
    });
  });

  it("writes cursor rows conditionally", async () => {
    const { cursors } = make();
    const first = await cursors.put("a.example", { lastId: "X" }, { ifVersion: null });
    await expect(cursors.put("a.example", { lastId: "Y" }, { ifVersion: null })).rejects.toBeInstanceOf(
      CursorConflictError,
    );
    const second = await cursors.put(
      "a.example",
      { lastId: "Y", gap: { fromId: null, throughId: "Y" } },
      { ifVersion: first },
    );
    await expect(cursors.put("a.example", { lastId: "Z" }, { ifVersion: first })).rejects.toBeInstanceOf(
      CursorConflictError,
    );
    expect(await cursors.get("a.example")).toEqual({
      host: "a.example",
      lastId: "Y",
      gap: { fromId: null, throughId: "Y" },
      version: second,
    });
    await cursors.put("qm_fix_truncated", { lastId: "bafy" });
    expect((await cursors.list()).map((row) => row.host)).toEqual(["a.example", "qm_fix_truncated"]);
  });
});

describe("blob-store snapshot", () => {
  it("retries when a prune lands between its reads, and serves no hole", async () => {
    const store = new TinyBlobStore();
    const log = new BlobOpsLog(store, "r/");
    const ops = await appendOps(log, new ManualClock(), new OpIdGenerator(), 20);
    await log.deleteBelow(ops[5]!, 100);
    let raced = false;
    store.beforeGet = async (key) => {
      if (raced || !key.startsWith("r/ops/")) return;
      raced = true;
      await log.deleteBelow(ops[10]!, 100); // a retention tick fires mid-read
    };
    const snapshot = await log.snapshot(ops[2]!, 3);
    expect(snapshot).toMatchObject({
      prunedThroughId: ops[9],
      ops: [{ id: ops[10] }, { id: ops[11] }, { id: ops[12] }],
    });
  });
});

describe("blob-store prune", () => {
  it("deletes nothing when the store refuses the watermark write (429), and carries on later", async () => {
    const store = new TinyBlobStore();
    const log = new BlobOpsLog(store, "r/");
    const ops = await appendOps(log, new ManualClock(), new OpIdGenerator(), 6);
    const put = store.put.bind(store);
    let refuse = true;
    store.put = async (key, bytes, options) => {
      if (refuse && key === "r/meta/watermark") throw new RateLimitedError("429", key);
      return put(key, bytes, options);
    };
    expect(await log.deleteBelow(ops[3]!, 100)).toBe(0);
    expect((await log.physicalSize()).rows).toBe(6);
    expect(await log.prunedThroughId()).toBeNull();
    refuse = false;
    expect(await log.deleteBelow(ops[3]!, 100)).toBe(3);
    expect(await log.prunedThroughId()).toBe(ops[2]);
  });

  it("raises the watermark before it deletes any op of a batch", async () => {
    const store = new TinyBlobStore();
    const log = new BlobOpsLog(store, "r/");
    const ops = await appendOps(log, new ManualClock(), new OpIdGenerator(), 4);
    const watermarkSeen: (string | null)[] = [];
    const del = store.delete.bind(store);
    store.delete = async (key) => {
      watermarkSeen.push(await log.prunedThroughId());
      return del(key);
    };
    expect(await log.deleteBelow(ops[2]!, 100)).toBe(2);
    expect(watermarkSeen).toEqual([ops[1], ops[1]]);
  });
});
