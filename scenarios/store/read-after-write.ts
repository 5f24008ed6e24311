/**
 * E0-4 and strong consistency: writers put, overwrite and delete a handful of keys while
 * readers get and head them; each writer reads back right after every acknowledged write.
 * Every read is judged against the store's history: it returned the key as it stood at some
 * instant while the read was in flight (so a read after an acknowledged write sees that write
 * or a later one), and a get returned exactly the bytes its version's writer wrote.
 */
import type { BlobHead, BlobObject, BlobStore } from "../../engine/blobstore/blob-store.ts";
import {
  checkRead,
  type ObservedRead,
  READ_CONSISTENCY_INVARIANT,
} from "../../invariants/store-consistency.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario } from "../scenario.ts";
import { buildStore, checkHistory, clientFor, decoder, encoder, outcomeOf } from "./support.ts";

const KEYS = ["raw/a", "raw/b", "raw/c"];
const WRITERS = 2;
const READERS = 3;
const OPS_PER_PROCESS = 30;

export const storeReadAfterWrite: Scenario = {
  id: "store.read-after-write",
  title: "Store: strong read-after-write; every read matches the history while in flight",
  criteria: ["E0-4"],
  lane: "sim",
  defaultSeeds: 200,
  async run(ctx) {
    const { world } = ctx;
    const sim = buildStore(ctx, { rateLimitEnabled: false });
    const reads: Array<ObservedRead & { body: string | null }> = [];
    const written = new Map<string, string>(); // version -> body

    const observe = async (process: SimProcess, store: BlobStore, key: string, head: boolean) => {
      const calledAtMs = world.nowMs;
      const outcome = await outcomeOf<BlobHead | BlobObject | null>(head ? store.head(key) : store.get(key));
      if (!outcome.ok) return;
      const value = outcome.value;
      reads.push({
        reader: process.name,
        key,
        calledAtMs,
        answeredAtMs: world.nowMs,
        version: value?.version ?? null,
        body: value && "bytes" in value ? decoder.decode(value.bytes) : null,
      });
    };

    for (let w = 0; w < WRITERS; w++) {
      const writer = world.spawn(`writer${w}`);
      const store = clientFor(ctx, sim, writer);
      void writer.start(async () => {
        for (let n = 0; n < OPS_PER_PROCESS; n++) {
          await writer.sleep(Math.round(writer.rng.exponential(60)));
          const key = writer.rng.pick(KEYS);
          if (writer.rng.chance(0.15)) {
            await outcomeOf(store.delete(key));
          } else {
            const body = `${writer.name} #${n}`;
            const put = await outcomeOf(store.put(key, encoder.encode(body)));
            if (put.ok) written.set(put.value, body);
          }
          await observe(writer, store, key, false);
        }
      });
    }
    for (let r = 0; r < READERS; r++) {
      const reader = world.spawn(`reader${r}`);
      const store = clientFor(ctx, sim, reader);
      void reader.start(async () => {
        for (let n = 0; n < OPS_PER_PROCESS; n++) {
          await reader.sleep(Math.round(reader.rng.exponential(40)));
          await observe(reader, store, reader.rng.pick(KEYS), reader.rng.chance(0.3));
        }
      });
    }
    await world.run();

    for (const read of reads) {
      const problem = checkRead(sim.history, read);
      if (problem) world.violate(READ_CONSISTENCY_INVARIANT, problem);
      if (read.body !== null && read.version !== null) {
        const writer = sim.history.find(
          (m) => m.op === "put" && m.key === read.key && m.version === read.version,
        );
        const wrote = written.get(read.version);
        // Only answered writes are in `written`; an ambiguous one is checked by its length.
        if (
          wrote !== undefined ? read.body !== wrote : writer?.bytesLength !== encoder.encode(read.body).length
        )
          world.violate(
            READ_CONSISTENCY_INVARIANT,
            `${read.reader} got ${read.body} for ${read.key}@${read.version}`,
          );
      }
    }
    checkHistory(ctx, sim);
    return { metrics: { reads: reads.length, mutations: sim.history.length } };
  },
};
