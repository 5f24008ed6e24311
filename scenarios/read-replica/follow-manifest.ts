/**
 * read-replica.follow-manifest (E2D-1): one to three read replicas follow a database whose
 * writers come and go, and clients read from the replicas throughout.
 *
 * Writers: strict commits under group commit (several clients), a small compaction threshold
 * (replicas see snapshots replaced, not only WAL ranges appended), random kills at commit points
 * and store boundaries, and takeovers: a writer frozen at a seeded commit point (before or after
 * its data upload, or just before its manifest CAS) is taken over by a successor (fence stamp
 * with the next token) and thaws later, so its upload lands in the bucket unreferenced and its
 * manifest CAS fails (its writes fail). Store faults per seed (429, 503, timeouts, ambiguous
 * writes).
 *
 * Replicas: seeded poll interval, lag bound and clock skew; seeded outages (every call of that
 * replica to the store fails for a while, longer than its lag bound at times) and pauses (the
 * replica process frozen, its reads held until it resumes).
 *
 * Checks (invariants/read-replica.ts): every read served equals, byte for byte, the state of a
 * commit durable at the read and not older than the lag bound allows; a refusal only when the
 * replica truly had no clean poll within its lag bound. Liveness: once faults stop and the last
 * writer has flushed, every replica converges to the last commit.
 */
import { StaleReplicaError } from "../../engine/read-replica/errors.ts";
import type { Row } from "../../engine/db/database.ts";
import {
  checkReplicaReads,
  commitStates,
  fingerprintRows,
  type ReplicaInvariant,
  type ReplicaReadRecord,
} from "../../invariants/read-replica.ts";
import { drawBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { drawKillPlanOptions, KillPlan } from "../../sim/kill-plan.ts";
import type { SimProcess } from "../../sim/process.ts";
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { unlessDead } from "../wal/lives.ts";
import { DEFAULT_WAL_CONFIG, type WalConfig, type WriterNode } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import {
  bootRecordedWriter,
  MANIFEST_KEY,
  type ReplicaNode,
  type ReplicaPlan,
  startReplica,
} from "./nodes.ts";
import { ReplicaHistory } from "./recorder.ts";

const FREEZE_POINTS = ["commit.before-segment-put", "commit.after-segment-put", "commit.before-manifest-cas"];
/** Outages and pauses start within this window from the beginning of the run. */
const FAULT_WINDOW_MS = 8_000;
/**
 * After the faults and the last writer: how long a replica may take to converge. Store faults
 * stay on (a 10 s timeout on 5% of requests), so this allows a long run of bad luck.
 */
const CONVERGE_WITHIN_MS = 120_000;
const POLL_MS = 50;
const SEVERITY: readonly ReplicaInvariant[] = [
  "replica-oracle",
  "replica-ahead-of-durable",
  "replica-behind-lag-bound",
  "replica-refused-while-fresh",
  "replica-position",
];

function liveRows(rows: readonly Row[]): Array<readonly [string, Uint8Array]> {
  return rows.filter((row) => row.value !== null).map((row) => [row.key, row.value!] as const);
}

export async function runFollowManifest(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const drawn = world.draw("read-replica", (rng) => ({
    replicas: rng.int(1, 3),
    lives: rng.int(2, 3),
    writesPerLife: rng.pick([8, 16, 24]),
    clientCount: rng.pick([1, 2, 4]),
    writeIntervalMeanMs: rng.pick([60, 150, 400]),
    commitIntervalMs: rng.pick([200, 1_000]),
    compactAtBytes: rng.pick([12 * 1024, 32 * 1024, 128 * 1024]),
    segmentBytes: rng.pick([16 * 1024, 64 * 1024]),
    danglingHeaderProbability: rng.pick([0, 0.3]),
    zombieProbability: rng.pick([0, 0.5, 0.9]),
    readIntervalMeanMs: rng.pick([250, 600]),
  }));
  const config: WalConfig = {
    ...DEFAULT_WAL_CONFIG,
    segmentBytes: drawn.segmentBytes,
    compactAtBytes: drawn.compactAtBytes,
    danglingHeaderProbability: drawn.danglingHeaderProbability,
    commitIntervalMs: drawn.commitIntervalMs,
  };
  const store = new SimBlobStore(world, drawBlobStoreOptions(world));
  const killPlan = new KillPlan(world, {
    ...drawKillPlanOptions(world),
    randomKillProcess: "writer.*",
  }).watch(store);
  const history = new ReplicaHistory();
  const workload = new Workload({ ...DEFAULT_WORKLOAD, answerTimeoutMs: 20_000 });
  const plans = Array.from({ length: drawn.replicas }, (_, index) => drawReplicaPlan(ctx, index));
  const supervisor = world.spawn("supervisor");
  const clients = world.spawn("clients");
  const rng = world.rng.fork("read-replica:lives");
  const reads: ReplicaReadRecord[] = [];
  const replicaPolls = { confirmed: 0, incremental: 0, full: 0, failed: 0 };
  const zombies: Array<Promise<void>> = [];
  let stopReads = false;
  let zombieCount = 0;

  const readFrom = async (reader: SimProcess, node: ReplicaNode): Promise<ReplicaReadRecord> => {
    await node.process.guard(Promise.resolve()); // the request reaches the replica once it runs
    let record: ReplicaReadRecord;
    try {
      const read = await node.replica.readRows();
      record = {
        replica: node.process.name,
        atMs: world.nowMs,
        outcome: "served",
        rows: read.rows,
        commitSeq: read.position.commitSeq,
      };
    } catch (error) {
      if (!(error instanceof StaleReplicaError)) throw error;
      record = { replica: node.process.name, atMs: world.nowMs, outcome: "stale" };
    }
    reads.push(record);
    reader.log("replica.read", {
      replica: node.process.name,
      outcome: record.outcome,
      commitSeq: record.outcome === "served" ? record.commitSeq : null,
    });
    return record;
  };

  /** One writer life; returns once it is over (ended, killed, or frozen as a zombie). */
  const runWriterLife = async (index: number, final: boolean): Promise<void> => {
    const process = world.spawn(`writer.${index}`);
    const zombie =
      !final && rng.chance(drawn.zombieProbability)
        ? {
            point: rng.pick(FREEZE_POINTS),
            visit: rng.int(1, 4),
            thawAfterMs: rng.pick([1_000, 3_000, 8_000]),
          }
        : null;
    let visits = 0;
    let frozen = false;
    const faults = {
      hit(point: string) {
        if (zombie && point === zombie.point && ++visits === zombie.visit) {
          frozen = true;
          process.log("zombie.freeze", { point, visit: visits });
          process.pause();
          return process.guard(Promise.resolve()); // settles on resume: the commit waits here
        }
        return killPlan.faultsFor(process).hit(point);
      },
    };
    const node: WriterNode | null = await unlessDead(
      supervisor,
      process,
      bootRecordedWriter(process, store, faults, config, seams, history),
    ).catch((error: unknown) => {
      process.log("writer.boot-failed", { error: error instanceof Error ? error.name : String(error) });
      process.kill("boot failed");
      return null;
    });
    if (node === null) return;
    let sent = 0;
    const busy = () => sent < drawn.writesPerLife && process.alive && !frozen;
    for (let slot = 0; slot < drawn.clientCount; slot++)
      void (async () => {
        while (busy()) {
          await clients.sleep(Math.round(clients.rng.exponential(drawn.writeIntervalMeanMs)));
          if (!busy()) return;
          sent++;
          await workload.send(clients, node, index);
        }
      })();
    while (busy()) await supervisor.sleep(POLL_MS);
    if (!frozen && process.alive) {
      if (!final && supervisor.rng.chance(0.5)) {
        process.kill("supervisor");
        return;
      }
      // A clean end: flush, unless the flush itself runs into the freeze.
      let flushed = false;
      void node.durable.terminate().then(
        () => (flushed = true),
        () => (flushed = true),
      );
      while (!flushed && !frozen && process.alive) await supervisor.sleep(POLL_MS);
      if (!frozen) process.kill("terminated");
    }
    supervisor.log("life.over", { life: index, sent, frozen });
    if (!frozen) return;
    // Taken over while frozen: the next life's writer stamps the manifest; this one thaws later.
    zombieCount++;
    const thawAfterMs = zombie!.thawAfterMs;
    zombies.push(
      (async () => {
        await supervisor.sleep(thawAfterMs);
        process.resume();
        process.log("zombie.thaw");
        await supervisor.sleep(5_000);
        process.kill("zombie");
      })(),
    );
  };

  void supervisor.start(async () => {
    const replicas = plans.map((plan, index) =>
      startReplica(world, `replica.${index}`, store, config, seams, plan, history),
    );
    for (const node of replicas) {
      const reader = world.spawn(`reader.${node.process.name}`);
      void reader.start(async () => {
        while (!stopReads) {
          await reader.sleep(Math.round(reader.rng.exponential(drawn.readIntervalMeanMs)));
          if (!stopReads) await readFrom(reader, node);
        }
      });
      for (const pause of node.plan.pauses)
        void (async () => {
          await supervisor.sleep(pause.atMs);
          node.process.pause();
          await supervisor.sleep(pause.forMs);
          node.process.resume();
        })();
    }
    for (let life = 0; life < drawn.lives; life++) await runWriterLife(life, life === drawn.lives - 1);
    await Promise.all(zombies);
    const faultsEndMs = Math.max(
      0,
      ...plans.flatMap((plan) => [
        ...plan.outages.map((outage) => outage.toMs),
        ...plan.pauses.map((pause) => pause.atMs + pause.forMs),
      ]),
    );
    if (world.nowMs < faultsEndMs) await supervisor.sleep(faultsEndMs - world.nowMs);

    const commits = history.commits(store.history, MANIFEST_KEY);
    if (typeof commits === "string") {
      world.violate("replica-oracle", commits);
      return;
    }
    const { states, problems } = commitStates(commits, history.writes);
    const last = states[states.length - 1]!;
    // Liveness: faults are over and no writer commits any more; every replica converges.
    const checker = world.spawn("checker");
    const liveness: string[] = [];
    for (const node of replicas) {
      const deadlineMs = world.nowMs + CONVERGE_WITHIN_MS;
      let converged = false;
      while (!converged && world.nowMs < deadlineMs) {
        const read = await readFrom(checker, node);
        converged = read.outcome === "served" && fingerprintRows(liveRows(read.rows)) === last.fingerprint;
        if (!converged) await checker.sleep(250);
      }
      if (!converged)
        liveness.push(
          `${node.process.name} did not converge to commit ${last.commitSeq} within ${CONVERGE_WITHIN_MS} ms after faults stopped (serving commitSeq ${node.replica.position.commitSeq}; last error ${node.replica.lastError?.message ?? "none"})`,
        );
    }
    stopReads = true;
    for (const node of replicas) {
      for (const kind of ["confirmed", "incremental", "full", "failed"] as const)
        replicaPolls[kind] += node.replica.polls[kind];
      node.replica.stop();
      node.process.kill("done");
    }
    checker.kill("done");
    const maxLag = new Map(replicas.map((node) => [node.process.name, node.plan.maxLagMs]));
    problems.push(
      ...checkReplicaReads({
        states,
        reads,
        calls: history.calls,
        manifestKey: MANIFEST_KEY,
        maxLagMsOf: (replica) => maxLag.get(replica)!,
      }),
    );
    // Safety first (most telling first), then liveness: a replica serving what it must not is
    // the finding even when it also fails to converge afterwards.
    problems.sort((a, b) => SEVERITY.indexOf(a.invariant) - SEVERITY.indexOf(b.invariant));
    for (const problem of problems.slice(0, 3)) world.violate(problem.invariant, problem.message);
    for (const message of liveness) world.violate("replica-liveness", message);
  });
  // A hang is a liveness failure, not a run that polls forever.
  await world.run({ maxSimMs: 10 * 60_000 });

  const committed = history.commits(store.history, MANIFEST_KEY);
  const durableKeys = new Set<string>();
  if (typeof committed !== "string")
    for (const { manifest } of committed)
      for (const ref of [manifest.snapshot, ...manifest.segments]) if (ref) durableKeys.add(ref.key);
  const dataKeys = [...store.objects().keys()].filter((key) => key.includes("/data/"));
  return {
    metrics: {
      replicas: drawn.replicas,
      zombies: zombieCount,
      commits: typeof committed === "string" ? -1 : committed.length,
      readsServed: reads.filter((read) => read.outcome === "served").length,
      readsRefused: reads.filter((read) => read.outcome === "stale").length,
      pollsIncremental: replicaPolls.incremental,
      pollsFull: replicaPolls.full,
      pollsFailed: replicaPolls.failed,
      unreferencedDataObjects: dataKeys.filter((key) => !durableKeys.has(key)).length,
      ...workload.counts(),
    },
  };
}

function drawReplicaPlan(ctx: ScenarioContext, index: number): ReplicaPlan {
  const drawn = ctx.world.draw(`read-replica.${index}`, (rng) => ({
    pollIntervalMs: rng.pick([200, 500, 1_000]),
    lagPolls: rng.pick([3, 6]),
    clockOffsetMs: rng.pick([0, 0, -700, 1_300]),
    outages: rng.int(0, 3),
    pauses: rng.int(0, 2),
  }));
  const maxLagMs = Math.max(1_000, drawn.pollIntervalMs * drawn.lagPolls);
  const rng = ctx.world.rng.fork(`read-replica.${index}:faults`);
  const window = () => ({
    startMs: rng.int(0, FAULT_WINDOW_MS),
    forMs: Math.round(maxLagMs * rng.pick([0.5, 1.5, 3])),
  });
  const outages = Array.from({ length: drawn.outages }, () => {
    const { startMs, forMs } = window();
    return { fromMs: startMs, toMs: startMs + forMs };
  });
  const pauses = Array.from({ length: drawn.pauses }, () => {
    const { startMs, forMs } = window();
    return { atMs: startMs, forMs };
  });
  return {
    pollIntervalMs: drawn.pollIntervalMs,
    maxLagMs,
    clockOffsetMs: drawn.clockOffsetMs,
    outages,
    pauses,
  };
}

export const readReplicaFollowManifest: Scenario = {
  id: "read-replica.follow-manifest",
  title:
    "Read replicas follow the manifest through commits, compactions and takeovers by a successor, under store faults, outages and pauses: never ahead of durable, never behind their lag bound",
  criteria: ["E2D-1"],
  lane: "sim",
  // 90 seeds: a bug failing 5% of seeds is found with probability ≥ 99% (30 missed a 6–7% bug one run in seven).
  defaultSeeds: 90,
  killPoints: COMMIT_KILL_POINTS,
  run: runFollowManifest,
};
