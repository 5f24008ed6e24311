/**
 * One replication cluster in a simulated world: a primary (its WAL, the replication engine and
 * one recovery driver per replica), replicas behind a faulty network, a writer, and a control
 * plane that bumps epochs, moves addresses and re-assigns sessions mid-execution. A run has a
 * fault phase and then a liveness phase (network healed, everything committed, a final epoch):
 * every replica must then recover and be verified byte for byte against the primary.
 *
 * Each scenario of this folder is this cluster with its own knobs (`ClusterKnobs`, drawn per
 * seed), so the same checkers guard every run.
 */
import {
  type CatchUpBudget,
  type LinkContext,
  ReplicationEngine,
  type ReplicationStrategies,
  type AssignmentIntent,
  type RecoveryLogEntry,
  StaleEpochError,
  ReplicationError,
  CATCH_UP_FAILURES_MAX,
} from "../../engine/replication/index.ts";
import { drawNetworkOptions, SimNetwork } from "../../sim/network.ts";
import type { SimProcess } from "../../sim/process.ts";
import { type ReplicaRequest, SimReplica, type WalEntry } from "../../sim/replica.ts";
import type { Rng } from "../../sim/rng.ts";
import type { World } from "../../sim/world.ts";
import {
  checkTypedError,
  NO_DANGLING_SESSION,
  NO_STALE_ENDPOINT,
  NO_STALE_EPOCH,
  PIN_COVERAGE,
  PIN_SYMMETRY,
  replicaApplyWatch,
  SENDER_IDENTITY,
  watchLogCauses,
} from "../../invariants/replication-fencing.ts";
import {
  checkStallBudget,
  DATA_VERIFIED,
  verifyReplica,
  watchBudgets,
  watchRecoveryDecisions,
} from "../../invariants/replication-recovery.ts";
import { watchLogCompleteness } from "../../invariants/replication-log-completeness.ts";
import {
  watchAckedProgress,
  watchFailedCatchUps,
  watchFrozenTargets,
} from "../../invariants/replication-gates.ts";
import { KillPlan } from "../../sim/kill-plan.ts";
import { REPLICATION_FAULT_POINTS } from "../../engine/replication/fault-points.ts";
import type { ScenarioContext } from "../scenario.ts";

/** The replicas' named kill points (the engine's are engine/replication/fault-points.ts). */
export const REPLICA_AFTER_APPLY = "replica.after-apply";
export const REPLICA_AFTER_BASE = "replica.after-base-chunk";
import { badInput } from "./bad-input.ts";
import { hostileCall } from "./hostile.ts";
import { SimReplicaLink } from "./link.ts";
import { PrimaryWal } from "./primary.ts";

/** Per-scenario fault and workload knobs; every rate is per event of its kind. */
export interface ClusterKnobs {
  [key: string]: number;
  replicas: number;
  initialEntries: number;
  faultPhaseMs: number;
  writeMeanIntervalMs: number;
  /** Entries kept behind the committed LSN before recycling. */
  retainEntries: number;
  tailAdvanceMeanMs: number;
  checkpointMeanMs: number;
  untrustedCheckpointRate: number;
  holeRate: number;
  epochBumpMeanMs: number;
  addressChangeMeanMs: number;
  reassignMeanMs: number;
  staleIntentMeanMs: number;
  promotionMeanMs: number;
  pinFailureRate: number;
  historyUnavailableRate: number;
  stallMeanMs: number;
  stallDurationMs: number;
  budgetMaxEntries: number;
  budgetProgressDeadlineMs: number;
  budgetMaxDurationMs: number;
  replicaAheadRate: number;
  /** Share of replicas placed at the retention tail ± 1 at setup. */
  boundaryReplicaRate: number;
  badInputMeanMs: number;
  /** Mean time between re-deliveries of an old-epoch request to a replica (0: none). */
  oldEpochReplayMeanMs: number;
  /** Chance that one visit of a named kill point (engine executor or replica) kills its process. */
  killRate: number;
  /** Kills per run at most (0: no kill plan at all). */
  killsMax: number;
  /** How long a killed process stays down before it restarts. */
  restartDelayMs: number;
  baseChunkEntries: number;
  retriesMax: number;
  /** Mean time between hostile complete / truncate / progress calls on live sessions (0: none). */
  hostileMeanMs: number;
  /** Mean time between windows in which a replica acks stream batches without applying them. */
  stuckMeanMs: number;
  stuckDurationMs: number;
  /** Mean time between bursts in which the writer appends (and commits) many entries at once. */
  burstMeanMs: number;
  burstEntries: number;
  /** The executor's bound on link calls per execution. */
  executorStepsMax: number;
  /** Chance that a stream ack over-reports the replica's flushed LSN. */
  overReportRate: number;
}

export type KnobDraw = (rng: Rng) => ClusterKnobs;

export const baseKnobs = (rng: Rng): ClusterKnobs => ({
  replicas: 3,
  initialEntries: rng.int(20, 80),
  faultPhaseMs: rng.pick([400, 800, 1500]),
  writeMeanIntervalMs: rng.pick([2, 5, 15]),
  retainEntries: rng.pick([10, 30, 80]),
  tailAdvanceMeanMs: rng.pick([20, 60]),
  checkpointMeanMs: rng.pick([40, 150]),
  untrustedCheckpointRate: rng.pick([0, 0.3]),
  holeRate: 0,
  epochBumpMeanMs: rng.pick([0, 200]),
  addressChangeMeanMs: 0,
  reassignMeanMs: 0,
  staleIntentMeanMs: rng.pick([0, 300]),
  promotionMeanMs: 0,
  pinFailureRate: 0,
  historyUnavailableRate: 0,
  stallMeanMs: 0,
  stallDurationMs: 0,
  budgetMaxEntries: 0,
  budgetProgressDeadlineMs: 0,
  budgetMaxDurationMs: 0,
  replicaAheadRate: 0.2,
  boundaryReplicaRate: 0,
  badInputMeanMs: 0,
  oldEpochReplayMeanMs: 0,
  killRate: 0,
  killsMax: 0,
  restartDelayMs: 0,
  baseChunkEntries: rng.pick([2, 4, 8]),
  retriesMax: rng.pick([1, 3]),
  hostileMeanMs: 0,
  stuckMeanMs: 0,
  stuckDurationMs: 0,
  burstMeanMs: 0,
  burstEntries: 0,
  executorStepsMax: 200,
  overReportRate: 0,
});

const PAGES = 24;
const ATTEMPTS_MAX = 400;

export async function runCluster(ctx: ScenarioContext, drawKnobs: KnobDraw): Promise<Record<string, number>> {
  const { world } = ctx;
  const knobs = world.draw("replication", drawKnobs);
  const netOptions = drawNetworkOptions(world);
  const network = new SimNetwork(world, netOptions);
  const primary = new PrimaryWal(
    world.rng.fork("primary-wal"),
    { pinFailureRate: knobs.pinFailureRate, historyUnavailableRate: knobs.historyUnavailableRate },
    PAGES,
  );
  const budget: CatchUpBudget = {
    maxEntries: knobs.budgetMaxEntries,
    progressDeadlineMs: knobs.budgetProgressDeadlineMs,
    maxDurationMs: knobs.budgetMaxDurationMs,
  };
  const strategies: Partial<ReplicationStrategies> = ctx.seams.replication ?? {};
  // Kills at named points (replication.crash): the engine's executors and the replicas.
  const killPlan =
    knobs.killsMax > 0
      ? new KillPlan(world, { randomPointKillProbability: knobs.killRate, randomKillsMax: knobs.killsMax })
      : null;
  const newEngine = (proc: SimProcess) =>
    new ReplicationEngine({
      clock: proc.clock,
      storage: primary,
      strategies,
      ...(ctx.seams.replicationLog ? { log: ctx.seams.replicationLog(proc.clock) } : {}),
      ...(killPlan ? { faults: killPlan.faultsFor(proc) } : {}),
      executor: { batchEntriesMax: 8, stepsMax: knobs.executorStepsMax },
    });
  /** The primary's engine process and engine; both replaced when the engine restarts. */
  let primaryProc = world.spawn("primary");
  let engine = newEngine(primaryProc);
  /** Once an invariant failed the run winds down: the first violation is the finding. */
  const halted = () => world.violations.length > 0;
  const metrics = {
    completions: 0,
    rebuilds: 0,
    escalations: 0,
    typedRejections: 0,
    epochBumps: 0,
    addressChanges: 0,
    promotions: 0,
    oldEpochReplays: 0,
    engineRestarts: 0,
    replicaRestarts: 0,
    hostileCalls: 0,
    hostileAccepted: 0,
  };

  // --- setup: primary history and replicas at assorted distances from it ---
  const setupRng = world.rng.fork("setup");
  for (let i = 0; i < knobs.initialEntries; i++) primary.append();
  primary.commit(primary.headLsn - setupRng.int(0, 3));
  primary.advanceTail(primary.committedLsn - knobs.retainEntries);
  primary.checkpoint(!setupRng.chance(knobs.untrustedCheckpointRate));
  network.bind("primary", "10.0.0.1", primaryProc, () => undefined);
  const replicas = new Map<string, SimReplica>();
  const addresses = new Map<string, { addr: string; version: number }>();
  const addressChanges: Array<{ replicaId: string; atMs: number }> = [];
  const fence = ctx.seams.replicationReplica?.fence;
  const applyWatch = replicaApplyWatch(world);
  /** Requests each replica was delivered, newest last (what the replay injector re-sends). */
  const delivered = new Map<string, ReplicaRequest[]>();
  const stuckUntil = new Map<string, number>();
  const deliver = (replicaId: string, request: ReplicaRequest, replayed: boolean) => {
    const replica = replicas.get(replicaId)!;
    const before = replica.mutations.length;
    // A stuck replica acks stream batches without applying them: that catch-up never converges.
    const stuck = stuckUntil.get(replicaId) ?? -1;
    const reply = replica.handle(
      request.op === "stream" && world.nowMs < stuck ? { ...request, entries: [] } : request,
    );
    const applied = replica.mutations.length - before;
    if (killPlan && applied > 0) {
      // The replica may die with the mutation applied and its answer never sent.
      void killPlan
        .faultsFor(replica.process)
        .hit(request.op === "base" ? REPLICA_AFTER_BASE : REPLICA_AFTER_APPLY);
    }
    applyWatch({
      replicaId,
      op: request.op,
      mark: { epoch: request.epoch, sessionId: request.sessionId },
      accepted: reply.ok,
      applied,
      replayed,
    });
    if (!replica.process.alive) return undefined;
    if (!replayed) {
      const list = delivered.get(replicaId) ?? [];
      list.push(request);
      if (list.length > 64) list.shift();
      delivered.set(replicaId, list);
    }
    return reply;
  };
  for (let n = 1; n <= knobs.replicas; n++) {
    const id = `r${n}`;
    const proc = world.spawn(id);
    const replica = new SimReplica(id, proc, fence);
    // Some replicas sit exactly at the retention boundary (tail - 1, tail, tail + 1): A6.
    const atBoundary = knobs.boundaryReplicaRate > 0 && setupRng.chance(knobs.boundaryReplicaRate);
    const prefix = atBoundary
      ? Math.max(0, primary.tailLsn + setupRng.int(-1, 1))
      : setupRng.pick([
          primary.committedLsn,
          primary.committedLsn - setupRng.int(1, 12),
          setupRng.int(0, primary.committedLsn),
        ]);
    const entries: WalEntry[] = [];
    for (let lsn = 1; lsn <= Math.max(0, prefix); lsn++) entries.push(primary.entry(lsn)!);
    if (setupRng.chance(knobs.replicaAheadRate) && prefix === primary.committedLsn) {
      // Divergent, never-committed writes from an earlier primary's life.
      for (let k = 1; k <= setupRng.int(1, 4); k++)
        entries.push({
          lsn: prefix + k,
          page: setupRng.int(0, PAGES - 1),
          bytes: new Uint8Array([0xee, k, 0, 0, 0, 0, 0, 0]),
        });
    }
    replica.preload(entries);
    replicas.set(id, replica);
    const addr = `10.0.1.${n}:0`;
    addresses.set(id, { addr, version: 0 });
    network.bind(id, addr, proc, (request) => deliver(id, request as ReplicaRequest, false));
  }
  const link = new SimReplicaLink(network, "primary", primary, {
    callTimeoutMs: Math.ceil(netOptions.delayMedianMs * 8 + 20),
    retriesMax: knobs.retriesMax,
    baseChunkEntries: knobs.baseChunkEntries,
    overReportRate: knobs.overReportRate,
    rng: world.rng.fork("link"),
  });

  // --- checkers ---
  const observers: Array<(entry: RecoveryLogEntry) => void> = [];
  let frozenTargetCheck: (replicaId: string, sessionId: number, toLsn: number) => void = () => undefined;
  link.onStream = (context, toLsn) => frozenTargetCheck(context.replicaId, context.sessionId, toLsn);
  /** Subscribes the checkers to an engine's log; session stories are per engine incarnation. */
  const watchEngine = (watched: ReplicationEngine) => {
    const own: Array<(entry: RecoveryLogEntry) => void> = [];
    watched.log.subscribe((entry) => {
      world.log("primary", "repl.log", {
        replica: entry.replicaId,
        session: entry.sessionId,
        event: entry.event,
        cause: entry.cause,
      });
      for (const observe of observers) observe(entry);
      for (const observe of own) observe(entry);
    });
    watchFailedCatchUps(world, CATCH_UP_FAILURES_MAX, (observe) => own.push(observe));
    frozenTargetCheck = watchFrozenTargets(world, (observe) => own.push(observe));
    return watchLogCompleteness(world, (observe) => own.push(observe));
  };
  let logCompleteness = watchEngine(engine);
  const onLog = (observe: (entry: RecoveryLogEntry) => void) => observers.push(observe);
  watchRecoveryDecisions(world, primary, onLog);
  watchBudgets(world, budget, onLog);
  watchAckedProgress(world, (replicaId) => replicas.get(replicaId), onLog);
  watchLogCauses(world, onLog, (replicaId, atMs) =>
    addressChanges.some((c) => c.replicaId === replicaId && c.atMs === atMs),
  );
  link.onSend = (context: LinkContext, op: string) => {
    const current = addresses.get(context.replicaId);
    if (current && context.endpoint.dataAddr !== current.addr) {
      world.violate(
        NO_STALE_ENDPOINT,
        `${op} for ${context.replicaId} session ${context.sessionId} sent to ${context.endpoint.dataAddr}, its address is now ${current.addr}`,
      );
    }
    if (context.epoch < engine.registry.currentEpoch) {
      world.violate(
        NO_STALE_EPOCH,
        `${op} sent to ${context.replicaId} under epoch ${context.epoch}, current ${engine.registry.currentEpoch}`,
      );
    }
  };

  // --- control plane ---
  let epoch = 1;
  let finalPhase = false;
  const intentOf = (targets?: Record<string, "catch_up" | "rebuild">): AssignmentIntent => ({
    epoch,
    replicas: [...replicas.keys()].map((replicaId) => {
      const a = addresses.get(replicaId)!;
      return { replicaId, endpoint: { dataAddr: a.addr, ctrlAddr: a.addr, version: a.version } };
    }),
    recoveryTargets: targets,
    budget,
  });
  const oldIntents: AssignmentIntent[] = [];
  const apply = (intent: AssignmentIntent, what: string) => {
    try {
      return engine.registry.applyAssignment(intent);
    } catch (error) {
      if (checkTypedError(world, error, what)) metrics.typedRejections++;
      return null;
    }
  };
  apply(intentOf(), "initial assignment");
  const incarnation = (replicaId: string) =>
    engine.status().senders.find((s) => s.replicaId === replicaId)?.incarnation;

  const bumpEpoch = (why: string) => {
    oldIntents.push(intentOf());
    epoch++;
    metrics.epochBumps++;
    world.log("coordinator", "repl.epoch", { epoch, why });
    apply(intentOf(), `epoch bump to ${epoch}`);
  };
  const every = (proc: SimProcess, meanMs: number, kind: string, act: (rng: Rng) => void) => {
    if (meanMs <= 0) return;
    void proc.start(async (self) => {
      const rng = self.rng.fork(kind);
      for (;;) {
        await self.sleep(Math.max(1, Math.round(rng.exponential(meanMs))));
        if (world.nowMs >= knobs.faultPhaseMs || halted()) return;
        act(rng);
      }
    });
  };
  const coordinatorLoops = (kind: string, meanMs: number, act: (rng: Rng) => void) => {
    if (meanMs <= 0) return;
    const proc = world.spawn(`coordinator.${kind}`);
    every(proc, meanMs, kind, act);
  };
  coordinatorLoops("epoch", knobs.epochBumpMeanMs, () => bumpEpoch("control_plane"));
  coordinatorLoops("address", knobs.addressChangeMeanMs, (rng) => {
    const replicaId = rng.pick([...replicas.keys()]);
    const a = addresses.get(replicaId)!;
    const next = { addr: `10.0.1.${replicaId.slice(1)}:${a.version + 1}`, version: a.version + 1 };
    const before = incarnation(replicaId);
    network.rebind(replicaId, next.addr);
    addresses.set(replicaId, next);
    addressChanges.push({ replicaId, atMs: primaryProc.clock.nowMs() });
    metrics.addressChanges++;
    apply(intentOf(), `address change of ${replicaId}`);
    const after = incarnation(replicaId);
    if (before !== after)
      world.violate(
        SENDER_IDENTITY,
        `${replicaId}: address change replaced its sender (incarnation ${before} → ${after})`,
      );
  });
  coordinatorLoops("reassign", knobs.reassignMeanMs, (rng) => {
    const replicaId = rng.pick([...replicas.keys()]);
    const sender = engine.registry.has(replicaId) ? engine.registry.sender(replicaId) : null;
    if (!sender?.hasActiveSession()) return;
    const kind = sender.sessionSnapshot()!.kind;
    apply(intentOf({ [replicaId]: kind }), `re-assignment of ${replicaId}`);
  });
  coordinatorLoops("stale-intent", knobs.staleIntentMeanMs, (rng) => {
    if (oldIntents.length === 0) return;
    const intent = rng.pick(oldIntents);
    try {
      engine.registry.applyAssignment(intent);
      world.violate(NO_STALE_EPOCH, `an intent of epoch ${intent.epoch} was accepted at epoch ${epoch}`);
    } catch (error) {
      if (!(error instanceof StaleEpochError)) checkTypedError(world, error, "stale intent");
      else metrics.typedRejections++;
    }
  });
  coordinatorLoops("promotion", knobs.promotionMeanMs, () => {
    const discarded = primary.discardUncommitted();
    metrics.promotions++;
    world.log("coordinator", "repl.promotion", { discarded, committed: primary.committedLsn });
    bumpEpoch("promotion");
  });
  coordinatorLoops("stall", knobs.stallMeanMs, (rng) => {
    const replica = replicas.get(rng.pick([...replicas.keys()]))!;
    if (replica.process.state !== "running") return;
    replica.process.pause();
    world.scheduler.after(knobs.stallDurationMs, "chaos", "repl.stall-end", () => replica.process.resume());
  });
  // A late packet of an older epoch (or older session) reaches a replica: it must change nothing.
  coordinatorLoops("old-epoch-replay", knobs.oldEpochReplayMeanMs, (rng) => {
    const replicaId = rng.pick([...replicas.keys()]);
    if (replicas.get(replicaId)!.process.state !== "running") return;
    const current = engine.registry.currentEpoch;
    const old = (delivered.get(replicaId) ?? []).filter((request) => request.epoch < current);
    if (old.length === 0) return;
    metrics.oldEpochReplays++;
    deliver(replicaId, rng.pick(old), true);
  });
  coordinatorLoops("stuck", knobs.stuckMeanMs, (rng) => {
    const replicaId = rng.pick([...replicas.keys()]);
    stuckUntil.set(replicaId, world.nowMs + knobs.stuckDurationMs);
  });
  // The outpacing writer: a burst of writes lands while catch-ups are under way.
  coordinatorLoops("burst", knobs.burstMeanMs, () => {
    if (finalPhase) return;
    for (let i = 0; i < knobs.burstEntries; i++) primary.append();
    primary.commit(Math.min(primary.headLsn, commitCeiling()));
  });
  coordinatorLoops("hostile", knobs.hostileMeanMs, (rng) =>
    hostileCall(world, engine, rng, replicas, (lsn) => primary.entry(lsn), metrics),
  );
  coordinatorLoops("bad-input", knobs.badInputMeanMs, (rng) =>
    badInput(world, engine, rng, [...replicas.keys()], metrics),
  );

  /**
   * The lineage-safe boundary: committed never passes an LSN where some replica still holds a
   * different (never committed) entry; that replica must be truncated first.
   */
  const commitCeiling = () => {
    let ceiling = Number.MAX_SAFE_INTEGER;
    for (const replica of replicas.values()) {
      const divergent = replica.firstDivergentLsn(primary.committedLsn, (lsn) => primary.entry(lsn));
      if (divergent !== null) ceiling = Math.min(ceiling, divergent - 1);
    }
    return ceiling;
  };

  // --- writer: appends, commits, recycles, checkpoints, loses entries ---
  const writer = world.spawn("writer");
  void writer.start(async (self) => {
    let lastTailAt = 0;
    let lastCheckpointAt = 0;
    while (world.nowMs < knobs.faultPhaseMs && !halted()) {
      await self.sleep(Math.max(1, Math.round(self.rng.exponential(knobs.writeMeanIntervalMs))));
      if (finalPhase) break; // writes end with the fault phase
      primary.append();
      primary.commit(Math.min(primary.headLsn - self.rng.int(0, 2), commitCeiling()));
      if (self.rng.chance(knobs.holeRate)) {
        const hole = primary.punchHole();
        if (hole !== null) world.log("writer", "repl.hole", { lsn: hole });
      }
      if (world.nowMs - lastTailAt >= knobs.tailAdvanceMeanMs) {
        lastTailAt = world.nowMs;
        primary.advanceTail(primary.committedLsn - knobs.retainEntries);
      }
      if (world.nowMs - lastCheckpointAt >= knobs.checkpointMeanMs) {
        lastCheckpointAt = world.nowMs;
        primary.checkpoint(!self.rng.chance(knobs.untrustedCheckpointRate));
      }
    }
  });
  network.startPartitionChaos(["primary", ...replicas.keys()], knobs.faultPhaseMs);

  // --- the liveness phase: heal, commit everything, a final epoch ---
  world.scheduler.at(knobs.faultPhaseMs + 1, "world", "repl.heal", () => {
    finalPhase = true;
    network.healAll();
    primary.faultsOn = false;
    primary.commit(Math.min(primary.headLsn, commitCeiling()));
    void writer.start(async (self) => {
      while (primary.committedLsn < primary.headLsn && !halted()) {
        await self.sleep(5);
        primary.commit(Math.min(primary.headLsn, commitCeiling()));
      }
    });
    for (const replica of replicas.values()) replica.process.resume();
    bumpEpoch("final");
  });

  // --- one recovery driver per replica, inside the primary ---
  const done = new Set<string>();
  const settled = (targetLsn: number) =>
    finalPhase && targetLsn === primary.committedLsn && targetLsn === primary.headLsn;
  const drive = async (self: SimProcess, replicaId: string) => {
    const replica = replicas.get(replicaId)!;
    // Unbounded while faults last (the phase is time-bounded); bounded once healed.
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt += finalPhase ? 1 : 0) {
      if ((finalPhase && done.has(replicaId)) || halted()) return;
      if (!engine.registry.has(replicaId)) {
        await self.sleep(10);
        continue;
      }
      const sender = engine.registry.sender(replicaId);
      if (sender.sessionId === null) {
        if (sender.state === "in_sync" && !finalPhase) await self.sleep(self.rng.int(5, 40));
        if (engine.registry.sender(replicaId).sessionId === null) {
          const kind = engine.registry.sender(replicaId).state === "needs_rebuild" ? "rebuild" : "catch_up";
          apply(intentOf({ [replicaId]: kind }), `session request for ${replicaId}`);
        }
      }
      const current = engine.registry.sender(replicaId);
      const session = current.sessionSnapshot();
      if (!session || session.phase !== "init") {
        await self.sleep(2);
        continue;
      }
      const context: LinkContext = {
        replicaId,
        sessionId: session.id,
        epoch: session.epoch,
        endpoint: current.endpoint,
        stillCurrent: () =>
          engine.registry.has(replicaId) && engine.registry.sender(replicaId).sessionId === session.id,
      };
      try {
        if (session.kind === "catch_up") {
          const flushed = await link.handshake(context);
          if (current.sessionId !== session.id) continue;
          const result = engine.planner.planCatchUp(replicaId, session.id, flushed);
          if (result.kind === "zero_gap") {
            metrics.completions++;
            if (
              verifyReplica(world, replica, primary, result.proof.committedLsn, "zero-gap completion") &&
              settled(result.proof.committedLsn)
            )
              done.add(replicaId);
            continue;
          }
          if (result.kind === "needs_rebuild") {
            metrics.escalations++;
            continue;
          }
          if (result.truncateToLsn !== null && result.pins.some((pin) => pin.kind === "wal")) {
            world.violate(
              PIN_COVERAGE,
              `${replicaId} session ${session.id}: truncation-only plan holds a WAL pin`,
            );
          }
          try {
            await engine.executor.executeCatchUp(result, link);
          } finally {
            afterExecution(replicaId, session.id);
          }
          metrics.completions++;
          checkStallBudget(world, engine.log.entries, session.id, budget.progressDeadlineMs);
          if (
            verifyReplica(world, replica, primary, result.targetLsn, "catch-up") &&
            settled(result.targetLsn)
          )
            done.add(replicaId);
        } else {
          const plan = engine.planner.planRebuild(replicaId, session.id);
          metrics.rebuilds++;
          try {
            // The replica is told a rebuild is coming; the primary's history may move meanwhile.
            await link.handshake(context).catch(() => undefined);
            await engine.executor.executeRebuild(plan, link);
          } finally {
            afterExecution(replicaId, session.id);
          }
          metrics.completions++;
          if (
            verifyReplica(world, replica, primary, plan.targetLsn, `${plan.source} rebuild`) &&
            settled(plan.targetLsn)
          )
            done.add(replicaId);
        }
      } catch (error) {
        if (checkTypedError(world, error, `recovery of ${replicaId}`)) metrics.typedRejections++;
        const after = engine.registry.has(replicaId)
          ? engine.registry.sender(replicaId).sessionSnapshot()
          : null;
        if (after && after.id === session.id && after.phase !== "init" && !isTransportOnly(error)) {
          world.violate(
            NO_DANGLING_SESSION,
            `${replicaId} session ${session.id} still live (${after.phase}) after ${error instanceof Error ? error.name : "error"}: ${error instanceof Error ? error.message : ""}`,
          );
        }
        await self.sleep(self.rng.int(2, 15));
      }
    }
  };
  const afterExecution = (replicaId: string, sessionId: number) => {
    const left = primary.pinsOf({ replicaId, sessionId });
    if (left.length > 0)
      world.violate(
        PIN_SYMMETRY,
        `${replicaId} session ${sessionId}: ${left.length} pin(s) still held after execution ended`,
      );
    if (primary.uncoveredReads.length > 0)
      world.violate(PIN_COVERAGE, `executor read without a covering pin: ${primary.uncoveredReads[0]}`);
  };
  const startDrivers = (proc: SimProcess) => {
    for (const replicaId of replicas.keys()) {
      void proc
        .start((self) => drive(self, replicaId))
        .catch((error: unknown) => checkTypedError(world, error, `driver ${replicaId}`));
    }
  };
  startDrivers(primaryProc);

  // --- restarts after kills: the engine's sessions die with it, the replicas' state does not ---
  const restartEngineAfterKill = (proc: SimProcess) =>
    proc.onKill(() =>
      world.scheduler.after(knobs.restartDelayMs, "world", "repl.engine-restart", () => {
        metrics.engineRestarts++;
        primaryProc = world.spawn(`primary.${metrics.engineRestarts + 1}`);
        network.rehost("primary", primaryProc);
        engine = newEngine(primaryProc);
        logCompleteness = watchEngine(engine);
        restartEngineAfterKill(primaryProc);
        engine.releaseOrphanedPins();
        // The control plane re-assigns under a new epoch: the new engine's session IDs start over.
        bumpEpoch("engine_restart");
        startDrivers(primaryProc);
      }),
    );
  const restartReplicaAfterKill = (replica: SimReplica) =>
    replica.process.onKill(() =>
      world.scheduler.after(knobs.restartDelayMs, "world", "repl.replica-restart", () => {
        metrics.replicaRestarts++;
        const proc = world.spawn(`${replica.name}.${metrics.replicaRestarts + 1}`);
        network.rehost(replica.name, proc);
        replica.restartOn(proc);
        restartReplicaAfterKill(replica);
      }),
    );
  if (killPlan) {
    restartEngineAfterKill(primaryProc);
    for (const replica of replicas.values()) restartReplicaAfterKill(replica);
  }

  await world.run({ maxSimMs: knobs.faultPhaseMs + 120_000 });

  // --- final checks ---
  for (const [replicaId, replica] of replicas) {
    if (world.violations.length > 0) break;
    if (!done.has(replicaId)) {
      const sender = engine.registry.has(replicaId) ? engine.registry.sender(replicaId) : null;
      world.violate(
        DATA_VERIFIED,
        `${replicaId} not recovered after the faults healed: state ${sender?.state}, flushed ${replica.flushedLsn}, committed ${primary.committedLsn}, head ${primary.headLsn}, ceiling ${commitCeiling()}`,
      );
    }
  }
  if (world.violations.length === 0) logCompleteness.finish(engine);
  if (primary.pins.size > 0 && world.violations.length === 0)
    world.violate(PIN_SYMMETRY, `${primary.pins.size} pin(s) never released`);
  for (const sender of engine.registry.all()) {
    if (sender.hasActiveSession() && world.violations.length === 0)
      world.violate(NO_DANGLING_SESSION, `${sender.replicaId} still has a live session at the end`);
  }
  for (const replica of replicas.values()) {
    for (const mutation of replica.mutations) {
      if (mutation.epoch > epoch && world.violations.length === 0)
        world.violate(NO_STALE_EPOCH, `${replica.name} applied traffic of unknown epoch ${mutation.epoch}`);
    }
  }
  return {
    ...metrics,
    logEntries: engine.log.entries.length,
    pinsTaken: primary.pinsTaken,
    committedLsn: primary.committedLsn,
    dropped: network.dropped,
    ...(killPlan
      ? killPlan.coverageMetrics([
          ...REPLICATION_FAULT_POINTS.map((point) => point.name),
          REPLICA_AFTER_APPLY,
          REPLICA_AFTER_BASE,
        ])
      : {}),
  };
}

/** A transport failure before the plan existed leaves the session in init, which is fine. */
function isTransportOnly(error: unknown): boolean {
  return error instanceof ReplicationError && error.code === "transport_failed";
}
