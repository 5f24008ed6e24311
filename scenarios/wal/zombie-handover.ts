/**
 * A zombie writer's last upload races its successor (B08). Writer A freezes (a GC pause, a
 * throttled CPU) on a seeded visit of `commit.before-segment-put`, its data object named but not
 * yet uploaded. B takes the database over (fence stamp with the next token), commits, and serves
 * writes. Then A thaws: its upload goes out, its manifest CAS is refused (fenced), its writes
 * fail. Whatever A uploaded must not have touched anything B's manifest references: a restore
 * must verify every object and keep every acked write.
 */
import { noFaults } from "../../engine/runtime.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario } from "../scenario.ts";
import { createLifeContext, runLife, verifyReopen } from "./lives.ts";
import { DEFAULT_WAL_CONFIG, type WalConfig } from "./writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "./workload.ts";

const FREEZE_POINT = "commit.before-segment-put";

export const walZombieHandover: Scenario = {
  id: "wal.zombie-handover",
  title: "A frozen writer thaws after its successor committed: its late upload corrupts nothing",
  criteria: ["DUR-1", "FEN-1"],
  lane: "sim",
  defaultSeeds: 90,
  killPoints: [FREEZE_POINT],
  async run(ctx) {
    const { world, seams } = ctx;
    const drawn = world.draw("zombie", (rng) => ({
      freezeVisit: rng.int(1, 4),
      frozenForMs: rng.pick([2_000, 10_000, 30_000]),
      successorWrites: rng.int(1, 12),
    }));
    const config: WalConfig = { ...DEFAULT_WAL_CONFIG, danglingHeaderProbability: 0 };
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const workload = new Workload(DEFAULT_WORKLOAD);
    let frozen: SimProcess | null = null;
    let visits = 0;
    const context = createLifeContext(
      { world, store, config, seams },
      {
        workload,
        faultsFor: (process) =>
          process.name !== "writer.a"
            ? noFaults
            : {
                hit(point: string) {
                  if (point !== FREEZE_POINT || ++visits !== drawn.freezeVisit) return;
                  frozen = process;
                  process.log("zombie.freeze", { point, visit: visits });
                  process.pause();
                  // Settles only when the process is resumed: the commit stops right here.
                  return process.guard(Promise.resolve());
                },
              },
        clientCount: 3,
        writeIntervalMeanMs: 150,
      },
    );
    void context.supervisor.start(async (supervisor) => {
      const lifeA = runLife(context, "writer.a", 0, 30);
      while (frozen === null && world.process("writer.a").alive) {
        await supervisor.sleep(50);
        if (workload.writes.length >= 30 && frozen === null) break;
      }
      const zombie = frozen as SimProcess | null;
      if (zombie === null) {
        await lifeA;
        return;
      }
      const lifeB = await runLife(context, "writer.b", 1, drawn.successorWrites);
      await supervisor.sleep(drawn.frozenForMs);
      zombie.resume();
      zombie.log("zombie.thaw");
      await supervisor.sleep(5_000);
      zombie.kill("zombie");
      if (lifeB.node?.process.alive) {
        await lifeB.node.durable.terminate().catch(() => undefined);
        lifeB.node.process.kill("done");
      }
      await verifyReopen(context, "verify.final");
    });
    await world.run();
    return { metrics: { frozen: frozen === null ? 0 : 1, ...workload.counts() } };
  },
};
