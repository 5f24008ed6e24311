/**
 * The primary's ops log as production keeps it in an object store: the engine's BlobOpsLog
 * (engine/retention/blob-storage.ts) over the simulated GCS store, every step a real request
 * with its own latency. A prune's watermark write and its deletes therefore interleave with the
 * list and gets of a sweep's snapshot. The oracle hears of an append when its put is issued (the
 * writer appends one op at a time, so no later op is visible before it) and of a prune when the
 * watermark write covering it is issued: from then on a reader may learn the op is gone, though
 * its object is deleted a few requests later (the bounded-size check counts objects). After the store answers a watermark read, the world may start a
 * retention tick right there (`afterWatermarkRead`), landing a prune inside a snapshot.
 */
import { BlobOpsLog, type BlobOpsLogSeams } from "../../engine/retention/blob-storage.ts";
import type { BlobStore, PutOptions } from "../../engine/blobstore/blob-store.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";

const PREFIX = "retention/";
const OPS_PREFIX = `${PREFIX}ops/`;
const WATERMARK_KEY = `${PREFIX}meta/watermark`;
const decoder = new TextDecoder();

export interface SimBlobOpsLogOptions {
  world: World;
  owner: SimProcess;
  seams: Partial<BlobOpsLogSeams> | undefined;
  /** GCS's per-object mutation limit (the watermark is one object written by every batch). */
  rateLimitEnabled: boolean;
  onAppend(id: string): void;
  onDelete(ids: readonly string[]): void;
  afterWatermarkRead(): void;
}

export interface SimBlobOpsLog {
  log: BlobOpsLog;
  /** Ops objects the store holds now; read outside the run (no request, no latency). */
  storedOps(): number;
}

export function simBlobOpsLog(options: SimBlobOpsLogOptions): SimBlobOpsLog {
  const store = new SimBlobStore(options.world, {
    name: "retention-ops",
    rateLimitEnabled: options.rateLimitEnabled,
  });
  const appended: string[] = []; // in op ID order: one writer appends one op at a time
  let prunedCount = 0;
  store.addBoundaryHook({
    beforeRequest(process, op, key) {
      if (process === options.owner && op === "put" && key.startsWith(OPS_PREFIX)) {
        const id = key.slice(OPS_PREFIX.length);
        appended.push(id);
        options.onAppend(id);
      }
    },
    afterAnswer(process, op, key) {
      if (process === options.owner && op === "get" && key === WATERMARK_KEY) options.afterWatermarkRead();
    },
  });
  const client = store.client(options.owner);
  // The watermark's bytes are only seen on the way in: report every op it now covers as pruned.
  const observed: BlobStore = new Proxy(client, {
    get(target, property, receiver) {
      if (property === "put") {
        return (key: string, bytes: Uint8Array, putOptions?: PutOptions) => {
          if (key === WATERMARK_KEY) {
            const throughId = JSON.parse(decoder.decode(bytes)) as string;
            let end = prunedCount;
            while (end < appended.length && appended[end]! <= throughId) end++;
            if (end > prunedCount) options.onDelete(appended.slice(prunedCount, end));
            prunedCount = end;
          }
          return target.put(key, bytes, putOptions);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    log: new BlobOpsLog(observed, PREFIX, options.seams),
    storedOps: () => [...store.objects().keys()].filter((key) => key.startsWith(OPS_PREFIX)).length,
  };
}
