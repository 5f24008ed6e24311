/**
 * Retention floor under peer churn. A primary appends ops and prunes them behind the slowest
 * active peer's cursor; three peers sweep it with cursors, go down for short and long spells
 * (long enough to be dropped from the active set and pruned past), come back, get gap signals,
 * fail mid-body, freeze and resume. Around them: other workers' rows in the primary's cursor
 * table, corrupt far-future and epoch cursors, a rogue client sending hostile cursors, an
 * upstream that forges gap headers, retention ticks fired between a watermark read and a body
 * read, and the primary's own host spelled differently from the registry. A fault-free liveness
 * phase follows, after which every peer must have caught up and storage must be bounded.
 * Each seed draws where the ops log lives: the engine's in-memory log behind a latency, or the
 * engine's object-store log (BlobOpsLog) on the simulated GCS store, whose prune steps
 * (watermark write, deletes) interleave with the requests of a sweep's snapshot.
 */
import { resolveRetentionConfig } from "../../engine/retention/config.ts";
import { RetentionInputError } from "../../engine/retention/errors.ts";
import { normalizeHost } from "../../engine/retention/host.ts";
import { OpIdGenerator, opIdAtTime, ZERO_OP_ID } from "../../engine/retention/op-id.ts";
import { RetentionPruner } from "../../engine/retention/pruner.ts";
import { resolveRetentionSeams } from "../../engine/retention/seams.ts";
import type { Op, OpsLog } from "../../engine/retention/storage.ts";
import { sweepOnce } from "../../engine/retention/sweep-client.ts";
import { SweepServer, type SweepRequest } from "../../engine/retention/sweep-server.ts";
import { RetentionOracle } from "../../invariants/retention-oracle.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario } from "../scenario.ts";
import { ObservedCursorTable } from "./observed-cursor-table.ts";
import { PeerRegistry } from "./peer-registry.ts";
import { simBlobOpsLog } from "./sim-blob-ops-log.ts";
import { SimOpsLog } from "./sim-ops-log.ts";
import { SweepTransport } from "./sweep-transport.ts";

const PRIMARY = "primary.example";
const PEER_COUNT = 3;
const CHAOS_MS = 100_000;
const LIVENESS_MS = 30_000;
/** Every op read from the object-store log is its own GET (~28 ms), so catching up takes longer. */
const OBJECT_STORE_LIVENESS_MS = 60_000;
const RETENTION_MS = 30_000;
const MAX_CLOCK_OFFSET_MS = 500;
const SYNC_INTERVAL_MS = 1_000;
const TICK_INTERVAL_MS = 2_000;
const HEALTH_POLL_MS = 3_000;
const INACTIVE_GRACE_MS = 4_000;
const WORKER_CONTENT_ID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

class ApplyFailedError extends Error {
  override name = "ApplyFailedError";
}

interface PeerSlot {
  host: string;
  cursors: ObservedCursorTable;
  applied: Set<string>;
  process: SimProcess | null;
  lives: number;
  clockOffsetMs: number;
}

export const retentionPeerCursors: Scenario = {
  id: "retention.peer-cursors",
  title: "Retention floor: peers churn, fall behind, get gap signals; hostile cursors and prune races",
  criteria: ["RET-1", "RET-2", "RET-3", "RET-4", "RET-5", "RET-6"],
  lane: "sim",
  defaultSeeds: 200,
  async run({ world, seams }) {
    const retentionSeams = resolveRetentionSeams(seams.retention);
    const setup = world.draw("retention.primary", (rng) => ({
      selfHost: rng.pick([PRIMARY, "Primary.Example", "primary.example/", "PRIMARY.EXAMPLE/"]),
      retentionOn: rng.chance(0.85),
      marginMs: rng.pick([0, 1_000, 3_000]),
      batchLimit: rng.pick([5, 20, 100]),
      storageLatencyMeanMs: rng.pick([2, 10, 30]),
      writeMeanMs: rng.pick([100, 150, 250]),
      pruneRaceProbability: rng.pick([0, 0.3, 0.6]),
      opsLog: rng.pick(["memory", "object-store"] as const),
    }));
    const tables = world.draw("retention.tables", (rng) => ({
      workerRows: rng.chance(0.7),
      corruptPeerRows: rng.chance(0.5),
      corruptPrimaryRow: rng.chance(0.5),
    }));
    const churn = world.draw("retention.peers", (rng) => ({
      outageMeanIntervalMs: rng.pick([5_000, 10_000, 20_000]),
      longOutageProbability: rng.pick([0.2, 0.5]),
      pauseProbability: rng.pick([0, 0.2]),
      applyFailProbability: rng.pick([0, 0.01, 0.05]),
      sweepLimit: rng.pick([10, 50]),
      rogueMeanIntervalMs: rng.pick([2_000, 8_000]),
    }));
    const network = world.draw("retention.network", (rng) => ({
      latencyMeanMs: rng.pick([2, 10, 40]),
      lossProbability: rng.pick([0, 0.02, 0.1]),
      firstContactGapForgeProbability: rng.pick([0, 0.5]),
      hostileGapProbability: rng.pick([0, 0.05]),
      forgeAheadMaxMs: 10_000,
    }));

    const plausibility = { dataEpochMs: world.epochMs - 86_400_000, maxFutureSkewMs: 30_000 };
    const config = resolveRetentionConfig({
      retentionMs: setup.retentionOn ? RETENTION_MS : undefined,
      cursorSafetyMarginMs: setup.marginMs,
      // On the object-store log every batch rewrites the watermark, one object GCS lets change
      // about once a second: 5 ops a batch cannot keep up with this writer, so it is not drawn.
      batchLimit: setup.opsLog === "object-store" ? Math.max(20, setup.batchLimit) : setup.batchLimit,
      maxBatchesPerTick: 5,
      sweepLimitMax: 200,
      plausibility,
    });
    const oracle = new RetentionOracle(world, {
      window: plausibility,
      maxClockOffsetMs: MAX_CLOCK_OFFSET_MS,
    });
    const endMs = CHAOS_MS + (setup.opsLog === "object-store" ? OBJECT_STORE_LIVENESS_MS : LIVENESS_MS);
    let faultsOn = true;

    const primary = world.spawn("primary");
    const raceRng = world.rng.fork("retention.race");
    let pruner: RetentionPruner | null = null;
    // A background tick that happens to fire right after a read, before the next one.
    const maybeRace = (kind: string): void => {
      if (!faultsOn || !pruner) return;
      if (raceRng.chance(setup.pruneRaceProbability)) {
        primary.log("race.prune-after-read", { kind });
        void pruner.tick().catch(() => undefined);
      }
    };
    let log: OpsLog;
    // The rows the log physically holds, read once the run is over (no store request then).
    let storedRows: () => Promise<number>;
    if (setup.opsLog === "memory") {
      log = new SimOpsLog({
        owner: primary,
        rng: world.rng.fork("retention.storage"),
        latencyMeanMs: setup.storageLatencyMeanMs,
        onAppend: (id) => oracle.onAppend(id),
        onDelete: (ids) => oracle.onDelete(ids),
        afterRead: (kind) => {
          if (kind !== "body") maybeRace(kind);
        },
      });
      storedRows = async () => (await log.physicalSize()).rows;
    } else {
      const blob = simBlobOpsLog({
        world,
        owner: primary,
        seams: seams.retentionBlobLog,
        rateLimitEnabled: true,
        onAppend: (id) => oracle.onAppend(id),
        onDelete: (ids) => oracle.onDelete(ids),
        afterWatermarkRead: () => maybeRace("watermark"),
      });
      log = blob.log;
      storedRows = async () => blob.storedOps();
    }
    const primaryCursors = new ObservedCursorTable((host, value) =>
      oracle.onCursorPut("primary", host, value, true),
    );

    const slots: PeerSlot[] = [];
    for (let index = 0; index < PEER_COUNT; index++) {
      const host = `p${index}.example`;
      oracle.addPeer(host);
      slots.push({
        host,
        applied: new Set(),
        process: null,
        lives: 0,
        clockOffsetMs: world.rng
          .fork(`retention.clock:${host}`)
          .int(-MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS),
        cursors: new ObservedCursorTable((upstream, value) => {
          oracle.onCursorPut(host, upstream, value, true);
          if (normalizeHost(upstream) === PRIMARY) oracle.onPeerPersist(host, value);
        }),
      });
    }
    const nowEpochMs = world.epochMs;
    if (tables.workerRows) {
      await primaryCursors.seed("qm_fix_truncated", { lastId: WORKER_CONTENT_ID });
      await primaryCursors.seed("repair.worker", {
        lastId: opIdAtTime(plausibility.dataEpochMs + 3_600_000),
      });
    }
    if (tables.corruptPrimaryRow)
      await primaryCursors.seed("p0.example", { lastId: opIdAtTime(nowEpochMs + 40 * 86_400_000) });
    if (tables.corruptPeerRows) {
      await slots[1]!.cursors.seed(PRIMARY, { lastId: opIdAtTime(nowEpochMs + 40 * 86_400_000) });
      await slots[2]!.cursors.seed(PRIMARY, { lastId: ZERO_OP_ID });
    }

    const registry = new PeerRegistry(
      [PRIMARY, ...slots.map((slot) => slot.host)],
      (host) => host === PRIMARY || (slots.find((slot) => slot.host === host)?.process?.alive ?? false),
      INACTIVE_GRACE_MS,
    );
    const server = new SweepServer({
      log,
      cursors: primaryCursors,
      knownPeers: async () => registry.hosts,
      selfHost: setup.selfHost,
      clock: primary.clock,
      config,
      seams: retentionSeams,
      logger: primary,
    });
    pruner = new RetentionPruner({
      log,
      cursors: primaryCursors,
      activePeers: async () => {
        const hosts = registry.activeHosts();
        oracle.onTickActive(hosts.map(normalizeHost));
        return hosts;
      },
      selfHost: setup.selfHost,
      clock: primary.clock,
      config,
      seams: retentionSeams,
      logger: primary,
    });
    const transport = new SweepTransport(
      world,
      primary,
      server,
      world.rng.fork("retention.network"),
      network,
      (request: SweepRequest, response) => {
        oracle.onServe(
          normalizeHost(request.host),
          request.after,
          response.gap?.prunedThroughId ?? null,
          response.ops,
        );
      },
    );

    const startPeer = (slot: PeerSlot): void => {
      const process = world.spawn(`${slot.host}#${slot.lives++}`, { clockOffsetMs: slot.clockOffsetMs });
      slot.process = process;
      const applyOp = async (op: Op): Promise<void> => {
        if (faultsOn && process.rng.chance(churn.applyFailProbability)) {
          throw new ApplyFailedError(`apply of ${op.id} failed`);
        }
        await process.sleep(1);
        slot.applied.add(op.id);
        oracle.onApply(slot.host, op.id);
      };
      void process
        .start(async (self) => {
          while (world.nowMs < endMs) {
            let more = false;
            try {
              const outcome = await sweepOnce({
                upstreamHost: PRIMARY,
                selfHost: slot.host,
                cursors: slot.cursors,
                fetch: (request) => transport.request(self, request),
                applyOp,
                clock: self.clock,
                config,
                seams: retentionSeams,
                limit: churn.sweepLimit,
                logger: self,
              });
              more = outcome.more;
            } catch (error) {
              self.log("sweep.error", { error: error instanceof Error ? error.name : String(error) });
            }
            await self.sleep(more ? 20 : SYNC_INTERVAL_MS);
          }
        })
        .catch(() => undefined);
    };
    for (const slot of slots) startPeer(slot);

    let lastTickMs = 0;
    void primary.start(async (self) => {
      const writer = async () => {
        const ids = new OpIdGenerator();
        const tablesTracked = ["uploads", "audio_previews", "qm_audio_analyses"];
        while (world.nowMs < CHAOS_MS) {
          await self.sleep(Math.max(1, Math.round(self.rng.exponential(setup.writeMeanMs))));
          const id = ids.next(self.clock.nowMs());
          await log.append({ id, table: self.rng.pick(tablesTracked), body: `row-${id.slice(-6)}` });
        }
      };
      const retention = async () => {
        while (world.nowMs < endMs) {
          await self.sleep(TICK_INTERVAL_MS);
          await pruner!.tick();
        }
        // Converge: keep ticking until a tick frees nothing (bounded), a little over a second
        // apart so the object-store log's watermark stays within GCS's per-object write rate.
        for (let tick = 0; tick < 500; tick++) {
          if (setup.opsLog === "object-store") await self.sleep(1_100);
          const result = await pruner!.tick();
          if (result.deleted === 0) break;
        }
        lastTickMs = self.clock.nowMs();
      };
      await Promise.all([writer(), retention()]);
    });

    const health = world.spawn("registry");
    void health.start(async (self) => {
      while (world.nowMs < endMs) {
        await self.sleep(HEALTH_POLL_MS);
        for (const host of registry.poll(world.nowMs)) {
          self.log("registry.change", { host, active: registry.activeHosts().includes(host) });
        }
      }
    });

    const rogue = world.spawn("rogue");
    void rogue.start(async (self) => {
      while (world.nowMs < CHAOS_MS) {
        await self.sleep(Math.max(1, Math.round(self.rng.exponential(churn.rogueMeanIntervalMs))));
        const nowMs = self.clock.nowMs();
        const host = self.rng.pick(["p0.example", "intruder.example", "Primary.Example/"]);
        const after = self.rng.pick([
          opIdAtTime(nowMs + 30 * 86_400_000),
          ZERO_OP_ID,
          WORKER_CONTENT_ID,
          opIdAtTime(nowMs - 1_000).toLowerCase(),
          "",
        ]);
        try {
          await self.guard(server.serve({ host, after, limit: 10 }));
          self.log("rogue.accepted", { host, after });
          world.violate(
            "retention-hostile-input",
            `a sweep from ${host} with cursor ${JSON.stringify(after)} was served`,
          );
        } catch (error) {
          const name = error instanceof Error ? error.name : String(error);
          self.log("rogue.refused", { host, error: name });
          if (!(error instanceof RetentionInputError)) {
            world.violate(
              "retention-hostile-input",
              `hostile sweep from ${host} failed with untyped ${name}`,
            );
          }
        }
      }
    });

    const chaos = world.spawn("chaos");
    void chaos.start(async (self) => {
      while (world.nowMs < CHAOS_MS) {
        await self.sleep(Math.max(1, Math.round(self.rng.exponential(churn.outageMeanIntervalMs))));
        if (world.nowMs >= CHAOS_MS) break;
        const slot = self.rng.pick(slots);
        const process = slot.process;
        if (!process || process.state !== "running") continue;
        if (self.rng.chance(churn.pauseProbability)) {
          process.pause();
          self.setTimer(self.rng.int(200, 3_000), "peer.resume", () => process.resume());
          continue;
        }
        process.kill();
        const long = self.rng.chance(churn.longOutageProbability);
        const downMs = long ? self.rng.int(35_000, 50_000) : self.rng.int(500, 3_000);
        self.setTimer(downMs, "peer.restart", () => {
          if (world.nowMs < CHAOS_MS && slot.process === process) startPeer(slot);
        });
      }
    });
    // Liveness phase: faults off, every peer up again and unfrozen.
    world.scheduler.after(CHAOS_MS, "world", "retention.liveness", () => {
      faultsOn = false;
      transport.faultsOn = false;
      for (const slot of slots) {
        if (slot.process?.state === "paused") slot.process.resume();
        if (!slot.process?.alive) startPeer(slot);
      }
    });

    await world.run();

    oracle.checkNoSilentSkip();
    oracle.checkCaughtUp();
    const rows = await storedRows();
    oracle.checkBoundedSize(rows, config.retentionMs, config.cursorSafetyMarginMs, lastTickMs);
    return {
      metrics: {
        opsRetained: rows,
        opsDeleted: oracle.deletedCount,
      },
    };
  },
};
