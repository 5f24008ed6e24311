/**
 * Kernel self-test 1: writers on timers append to a durable log and ack to clients, while a
 * killer kills and restarts them at seeded times. Invariant: every acked append is durable.
 * It exercises timers, process kills (pending calls never return) and restarts, and gives the
 * hunt command a real bug to find (fixtures/forensic/kernel-early-ack.ts).
 */
import type { Scenario } from "../scenario.ts";
import { createDurableLog, realRegisterSeams } from "./durable-register.ts";

const WRITERS = 3;
const RUN_MS = 2_000;

export const timersAndKills: Scenario = {
  id: "kernel.timers-and-kills",
  title: "Kernel self-test: writers on timers, random kills and restarts, acked appends durable",
  criteria: ["DUR-4"],
  lane: "sim",
  defaultSeeds: 200,
  async run({ world, seams }) {
    const policy = { ...realRegisterSeams, ...seams.register };
    const faults = world.draw("killer", (rng) => ({
      killMeanIntervalMs: rng.pick([50, 150, 400]),
      deviceLatencyMeanMs: rng.pick([5, 20, 60]),
    }));
    const log = createDurableLog(world, faults.deviceLatencyMeanMs);
    const acked: string[] = [];

    const startWriter = (slot: number, life: number): void => {
      const process = world.spawn(`w${slot}.${life}`);
      void process
        .start(async (self) => {
          for (let n = 0; world.nowMs < RUN_MS; n++) {
            await self.sleep(Math.round(self.rng.exponential(30)));
            const id = `${self.name}:${n}`;
            await policy.commitAndAck(
              () => log.append(self, id),
              () => {
                acked.push(id);
                self.log("ack", { id });
              },
            );
          }
        })
        .catch(() => undefined);
    };
    const lives = Array.from({ length: WRITERS }, () => 0);
    for (let slot = 0; slot < WRITERS; slot++) startWriter(slot, 0);

    const killer = world.spawn("killer");
    void killer.start(async (self) => {
      while (world.nowMs < RUN_MS) {
        await self.sleep(Math.round(self.rng.exponential(faults.killMeanIntervalMs)));
        const slot = self.rng.int(0, WRITERS - 1);
        world.process(`w${slot}.${lives[slot]}`).kill();
        lives[slot] = (lives[slot] ?? 0) + 1;
        startWriter(slot, lives[slot]!);
      }
    });

    await world.run();
    const lost = acked.filter((id) => !log.entries.has(id));
    if (lost.length > 0) {
      const ackEvent = world.trace.events().find((e) => e.k === "ack" && e.f?.id === lost[0]);
      world.violate(
        "acked-write-durability",
        `${lost.length} acked appends are not durable, first ${lost[0]}`,
        ackEvent ? [ackEvent] : [],
      );
    }
    return { metrics: { acked: acked.length, durable: log.entries.size } };
  },
};
