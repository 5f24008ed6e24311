/**
 * The example engine as a blobsim binding: its writer, its keys, and decoders from its own
 * record formats to what blobsim's checkers read. `realTimers` asks blobsim to run the writer
 * as a virtual process (its setTimeout/setInterval/Date served by the scheduler).
 */
import type { EngineBinding } from "../../api/index.ts";
import { decodeHead, decodeLeaseLine, headKey, leaseObjectKey } from "./records.ts";
import { read } from "./store-calls.ts";
import { type EtagStrategies, EtagWriter, fixedStrategies } from "./writer.ts";

export function etagBinding(strategies: Partial<EtagStrategies> = {}, name = "etag-lease"): EngineBinding {
  const chosen = { ...fixedStrategies, ...strategies };
  return {
    name,
    realTimers: true,
    keys: (prefix) => ({ lease: leaseObjectKey(prefix), manifest: headKey(prefix) }),
    openWriter: (context) => new EtagWriter(context, chosen),
    // This engine restores from the HEAD it stamps, never from an early read.
    readEarly: async ({ store, prefix }) => (await read(store, headKey(prefix))) && null,
    decodeLease(bytes) {
      const line = decodeLeaseLine(bytes);
      return {
        holder: line.owner,
        token: line.epoch,
        expiresAtMs: line.until,
        released: line.state === "released",
      };
    },
    decodeManifest(bytes) {
      const head = decodeHead(bytes);
      return {
        token: head.epoch,
        durablePosition: head.end,
        objects: head.log.map((entry) => entry.key),
        writer: head.owner,
      };
    },
  };
}
