/**
 * E0-1: create-if-absent (ifNoneMatch, GCS ifGenerationMatch=0) succeeds on a fresh key and is
 * refused with 412 on an existing one, under this seed's fault mix. A prober creates keys,
 * then tries to create each again; retries are safe (503/429), an ambiguous answer is resolved
 * by reading. Judged by the prober's observations and the store's history: each key was
 * written exactly once, the second create never succeeded, the first body stays.
 */
import { PreconditionFailedError } from "../../engine/blobstore/errors.ts";
import type { Scenario } from "../scenario.ts";
import { buildStore, checkHistory, clientFor, decoder, encoder, outcomeOf, withRetry } from "./support.ts";

const KEYS = 25;
export const CREATE_INVARIANT = "store-create-if-absent";

export const storeCreateIfAbsent: Scenario = {
  id: "store.create-if-absent",
  title: "Store: create-if-absent succeeds on a fresh key, 412 on an existing one",
  criteria: ["E0-1"],
  lane: "sim",
  defaultSeeds: 200,
  async run(ctx) {
    const { world } = ctx;
    const sim = buildStore(ctx);
    const prober = world.spawn("prober");
    const store = clientFor(ctx, sim, prober);
    let refused = 0;
    void prober.start(async () => {
      for (let i = 0; i < KEYS; i++) {
        const key = `create/${i}`;
        const first = await outcomeOf(
          withRetry(prober, () => store.put(key, encoder.encode(`first ${i}`), { ifNoneMatch: true })),
        );
        // An ambiguous first create may or may not have landed; a 412 on its retry is no news.
        if (!first.ok && !(first.error instanceof PreconditionFailedError) && first.error instanceof Error) {
          const head = await withRetry(prober, () => store.head(key));
          if (head === null) continue;
        }
        const second = await outcomeOf(
          withRetry(prober, () => store.put(key, encoder.encode(`second ${i}`), { ifNoneMatch: true })),
        );
        if (second.ok) world.violate(CREATE_INVARIANT, `a second create-if-absent of ${key} succeeded`);
        else if (second.error instanceof PreconditionFailedError) refused++;
        const got = await withRetry(prober, () => store.get(key));
        const body = got ? decoder.decode(got.bytes) : null;
        if (body !== `first ${i}`)
          world.violate(CREATE_INVARIANT, `${key} holds ${body}, not the first writer's body`);
      }
    });
    await world.run();
    const writesPerKey = new Map<string, number>();
    for (const m of sim.history) writesPerKey.set(m.key, (writesPerKey.get(m.key) ?? 0) + 1);
    for (const [key, writes] of writesPerKey)
      if (writes !== 1)
        world.violate(CREATE_INVARIANT, `${key} was written ${writes} times by create-if-absent`);
    checkHistory(ctx, sim);
    return { metrics: { keys: writesPerKey.size, refused_412: refused } };
  },
};
