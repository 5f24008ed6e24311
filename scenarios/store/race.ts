/**
 * E0-3 / E0-4: 20 racers, 100 rounds of concurrent create-if-absent on a fresh key, then 100
 * rounds of concurrent CAS on one base version; after each round a reader reads the key.
 * Under this seed's swarm fault mix and random kills of racers at the store boundary (DUR-4).
 *
 * Judged at the end, from the store's own history (late applies of timed-out writes included),
 * never from what the racers believe: exactly one racer's write applied per round, a racer told
 * ok is that winner, nobody told 412 or 503 was applied; each read returned what the key held
 * at some instant while it was in flight, and the bytes the history's writer wrote.
 */
import { PreconditionFailedError } from "../../engine/blobstore/errors.ts";
import {
  checkRead,
  type ObservedRead,
  READ_CONSISTENCY_INVARIANT,
} from "../../invariants/store-consistency.ts";
import {
  checkRaceRound,
  RACE_INVARIANT,
  type RaceRound,
  type RacerBelief,
} from "../../invariants/store-race.ts";
import { drawKillPlanOptions, KillPlan } from "../../sim/kill-plan.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario } from "../scenario.ts";
import {
  beliefOf,
  buildStore,
  checkHistory,
  clientFor,
  decoder,
  encoder,
  outcomeOf,
  withRetry,
} from "./support.ts";

const RACERS = 20;
const ROUNDS = 100;

export const storeRace: Scenario = {
  id: "store.race",
  title: `Store: ${RACERS}-way create-if-absent and CAS races x ${ROUNDS} rounds, one winner by the store's history`,
  criteria: ["E0-3", "E0-4", "DUR-4"],
  lane: "sim",
  defaultSeeds: 100,
  killPoints: ["store.before-put", "store.after-put"],
  async run(ctx) {
    const { world } = ctx;
    const sim = buildStore(ctx);
    const kills = new KillPlan(world, { ...drawKillPlanOptions(world), randomKillProcess: "racer*" }).watch(
      sim,
    );
    const rounds: RaceRound[] = [];
    const reads: Array<ObservedRead & { body: string | null }> = [];
    const bodies = new Map<string, string>(); // `${key} ${racer}` -> the body it wrote

    const lives = Array.from({ length: RACERS }, () => 0);
    const racers: SimProcess[] = Array.from({ length: RACERS }, (_, i) => world.spawn(`racer${i}.0`));
    const racerFor = (i: number): SimProcess => {
      if (!racers[i]!.alive) {
        lives[i] = lives[i]! + 1;
        racers[i] = world.spawn(`racer${i}.${lives[i]}`);
      }
      return racers[i]!;
    };

    const race = async (round: number, key: string, kind: "create" | "cas", base: string | null) => {
      const beliefs = new Map<string, RacerBelief>();
      await Promise.all(
        Array.from({ length: RACERS }, (_, i) => {
          const racer = racerFor(i);
          const body = `${key} by ${racer.name}`;
          bodies.set(`${key} ${racer.name}`, body);
          const store = clientFor(ctx, sim, racer);
          const options = base === null ? { ifNoneMatch: true as const } : { ifMatch: base };
          return new Promise<void>((resolve) => {
            racer.onKill(() => {
              if (!beliefs.has(racer.name)) beliefs.set(racer.name, "killed");
              resolve();
            });
            void outcomeOf(store.put(key, encoder.encode(body), options)).then((outcome) => {
              beliefs.set(racer.name, beliefOf(outcome));
              resolve();
            });
          });
        }),
      );
      rounds.push({ round, key, kind, beliefs });
    };

    const coordinator = world.spawn("coordinator");
    const reader = world.spawn("reader");
    const readerStore = clientFor(ctx, sim, reader);
    const coordinatorStore = clientFor(ctx, sim, coordinator);

    const readBack = async (key: string) => {
      const calledAtMs = world.nowMs;
      const object = await withRetry(reader, () => readerStore.get(key));
      reads.push({
        reader: reader.name,
        key,
        calledAtMs,
        answeredAtMs: world.nowMs,
        version: object?.version ?? null,
        body: object ? decoder.decode(object.bytes) : null,
      });
    };

    /** The base for a CAS round; an ambiguous create is resolved by reading. */
    const createBase = async (key: string): Promise<string | null> => {
      const outcome = await outcomeOf(
        withRetry(coordinator, () =>
          coordinatorStore.put(key, encoder.encode("base"), { ifNoneMatch: true }),
        ),
      );
      if (outcome.ok) return outcome.value;
      if (!(outcome.error instanceof PreconditionFailedError) && beliefOf(outcome) !== "unknown") return null;
      // Nobody else writes this key before the round: whatever is there is the base.
      const head = await outcomeOf(withRetry(coordinator, () => coordinatorStore.head(key)));
      return head.ok ? (head.value?.version ?? null) : null;
    };

    void coordinator.start(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const key = `race/create/${round}`;
        await race(round, key, "create", null);
        await readBack(key);
      }
      for (let round = 0; round < ROUNDS; round++) {
        const key = `race/cas/${round}`;
        const base = await createBase(key);
        if (base === null) continue; // the base never landed: nothing to race on
        await race(round, key, "cas", base);
        await readBack(key);
      }
    });

    await world.run();

    // Judged from the store's history, after every late apply has landed.
    for (const round of rounds)
      for (const problem of checkRaceRound(sim.history, round)) world.violate(RACE_INVARIANT, problem);
    for (const read of reads) {
      const problem = checkRead(sim.history, read);
      if (problem) world.violate(READ_CONSISTENCY_INVARIANT, problem);
      const writer = sim.history.find(
        (m) => m.key === read.key && m.op === "put" && m.version === read.version,
      );
      const expected =
        writer?.process === coordinator.name ? "base" : bodies.get(`${read.key} ${writer?.process}`);
      if (read.version !== null && read.body !== expected)
        world.violate(
          READ_CONSISTENCY_INVARIANT,
          `${read.key} read ${read.body}, its writer wrote ${expected}`,
        );
    }
    checkHistory(ctx, sim);

    const zeroWinnerRounds = rounds.filter(
      (round) => !sim.history.some((m) => m.key === round.key && round.beliefs.has(m.process)),
    ).length;
    return {
      metrics: {
        rounds: rounds.length,
        zero_winner_rounds: zeroWinnerRounds,
        racer_kills: kills.kills.length,
        requests_class_a: sim.counters.classA,
        ambiguous_answers: sim.counters.ambiguous,
      },
    };
  },
};
