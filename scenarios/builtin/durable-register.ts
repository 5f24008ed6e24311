/**
 * A toy "engine" for the kernel self-test: writers append IDs to a device-backed durable log and
 * ack each append to a client. The device applies a write after a seeded latency, and only if
 * the writing process is still alive then (a crash loses the in-flight write). The ack policy is
 * a seam, so a forensic self-test variant can ack before the write is durable.
 */
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";

export interface DurableLog {
  /** Resolves once `id` is durable; never settles if `process` dies first. */
  append(process: SimProcess, id: string): Promise<void>;
  readonly entries: ReadonlySet<string>;
}

export interface RegisterSeams {
  /** How a writer commits one ID and acks it. The real policy acks only after durability. */
  commitAndAck(append: () => Promise<void>, ack: () => void): Promise<void>;
}

export const realRegisterSeams: RegisterSeams = {
  async commitAndAck(append, ack) {
    await append();
    ack();
  },
};

export function createDurableLog(world: World, latencyMeanMs: number): DurableLog {
  const entries = new Set<string>();
  const rng = world.rng.fork("device");
  return {
    entries,
    append(process, id) {
      const latencyMs = Math.max(1, Math.round(rng.exponential(latencyMeanMs)));
      return process.guard(
        new Promise<void>((resolve) => {
          world.scheduler.after(
            latencyMs,
            "device",
            "device.write",
            () => {
              if (!process.alive) return; // the crash took the in-flight write with it
              entries.add(id);
              resolve();
            },
            { id },
          );
        }),
      );
    },
  };
}
