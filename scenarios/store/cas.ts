/**
 * E0-2: compare-and-swap. Three writers increment a counter held in one object with
 * get → put(ifMatch) loops, retrying 412 by re-reading, backing off 503/429, resolving an
 * ambiguous answer by re-reading (the counter tells whether its write landed). Each writer
 * also replays one stale token after a success and must be refused 412.
 * Judged from the store's history: every applied conditional put's precondition held; no
 * update was lost (the final counter equals the number of applied increments); a stale CAS
 * never succeeded.
 */
import { AmbiguousWriteError, PreconditionFailedError } from "../../engine/blobstore/errors.ts";
import type { Scenario } from "../scenario.ts";
import { buildStore, checkHistory, clientFor, decoder, encoder, outcomeOf } from "./support.ts";

const WRITERS = 3;
const INCREMENTS_PER_WRITER = 5;
const KEY = "cas/counter";
export const CAS_INVARIANT = "store-compare-and-swap";

export const storeCas: Scenario = {
  id: "store.cas",
  title: "Store: CAS on the current version succeeds, on a stale one 412; no lost update",
  criteria: ["E0-2"],
  lane: "sim",
  defaultSeeds: 200,
  async run(ctx) {
    const { world } = ctx;
    const sim = buildStore(ctx);
    const creator = world.spawn("creator");
    let staleRefused = 0;
    void creator.start(async () => {
      const store = clientFor(ctx, sim, creator);
      for (;;) {
        const created = await outcomeOf(store.put(KEY, encoder.encode("0"), { ifNoneMatch: true }));
        // An ambiguous create is retried too: a 412 then says it had landed.
        if (created.ok || created.error instanceof PreconditionFailedError) break;
        await creator.sleep(300);
      }
      for (let w = 0; w < WRITERS; w++) {
        const writer = world.spawn(`writer${w}`);
        const client = clientFor(ctx, sim, writer);
        void writer.start(async () => {
          let done = 0;
          for (let attempt = 0; done < INCREMENTS_PER_WRITER && attempt < 200; attempt++) {
            await writer.sleep(Math.round(writer.rng.exponential(800)));
            const current = await outcomeOf(client.get(KEY));
            if (!current.ok || current.value === null) continue;
            const value = Number(decoder.decode(current.value.bytes));
            const next = encoder.encode(String(value + 1));
            const put = await outcomeOf(client.put(KEY, next, { ifMatch: current.value.version }));
            if (put.ok) {
              done++;
              // The token just replaced is stale now: it must be refused.
              const stale = await outcomeOf(
                client.put(KEY, encoder.encode("stale"), { ifMatch: current.value.version }),
              );
              if (stale.ok)
                world.violate(
                  CAS_INVARIANT,
                  `${writer.name}: a CAS on stale ${current.value.version} succeeded`,
                );
              else if (stale.error instanceof PreconditionFailedError) staleRefused++;
            } else if (
              put.error instanceof AmbiguousWriteError ||
              put.error instanceof PreconditionFailedError
            ) {
              continue; // re-read decides
            }
          }
        });
      }
    });
    await world.run();
    const increments = sim.history.filter(
      (m) => m.key === KEY && m.op === "put" && m.process !== creator.name,
    );
    const final = sim.objects().get(KEY);
    const finalValue = final ? decoder.decode(final.bytes) : null;
    if (final && finalValue !== String(increments.length))
      world.violate(
        CAS_INVARIANT,
        `${KEY} holds ${finalValue} after ${increments.length} applied increments (lost update)`,
      );
    checkHistory(ctx, sim);
    return { metrics: { increments: increments.length, stale_refused_412: staleRefused } };
  },
};
