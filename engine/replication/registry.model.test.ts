/**
 * Model-based test of the registry/sender API: random command sequences (assignments with
 * epochs, address changes and recovery targets; connects and progress with live or stale
 * session IDs; invalidations) run against the real registry and a tiny model of what must hold.
 * After every command the real status must match the model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_BUDGET } from "./budget.ts";
import { ReplicationError, StaleEpochError, StaleSessionError, UnknownReplicaError } from "./errors.ts";
import { RecoveryLog } from "./recovery-log.ts";
import { Registry } from "./registry.ts";
import { defaultStrategies } from "./strategies.ts";
import type { SessionKind } from "./types.ts";

const IDS = ["r1", "r2", "r3"] as const;
type Id = (typeof IDS)[number];

interface ModelReplica {
  version: number;
  incarnation: number;
  sessionId: number | null;
  phase: "init" | "connecting" | null;
}
interface Model {
  epoch: number;
  replicas: Map<Id, ModelReplica>;
  sessions: number;
  incarnations: number;
}
interface Real {
  registry: Registry;
  log: RecoveryLog;
}

const endpointOf = (id: Id, version: number) => ({
  dataAddr: `${id}@${version}`,
  ctrlAddr: `${id}@${version}`,
  version,
});

function expectMatches(model: Model, real: Real): void {
  const status = real.registry.status();
  expect(status.epoch).toBe(model.epoch);
  expect(status.senders.map((s) => s.replicaId)).toEqual([...model.replicas.keys()].sort());
  for (const sender of status.senders) {
    const m = model.replicas.get(sender.replicaId as Id)!;
    expect(sender.incarnation).toBe(m.incarnation);
    expect(sender.endpoint.version).toBe(m.version);
    expect(sender.session?.id ?? null).toBe(m.sessionId);
    if (m.sessionId !== null) expect(sender.session?.phase).toBe(m.phase);
    expect(sender.epoch).toBe(model.epoch);
  }
  for (const entry of real.log.entries) expect(entry.cause.length).toBeGreaterThan(0);
}

class AssignCommand implements fc.Command<Model, Real> {
  constructor(
    readonly epochDelta: number,
    readonly members: Id[],
    readonly moved: Id[],
    readonly targets: Array<[Id, SessionKind]>,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const epoch = Math.max(0, model.epoch + this.epochDelta);
    const members = [...new Set(this.members)].sort();
    const targets = Object.fromEntries(this.targets.filter(([id]) => members.includes(id)));
    const versions = new Map(
      members.map((id) => [id, (model.replicas.get(id)?.version ?? 0) + (this.moved.includes(id) ? 1 : 0)]),
    );
    const intent = {
      epoch,
      replicas: members.map((id) => ({ replicaId: id, endpoint: endpointOf(id, versions.get(id)!) })),
      recoveryTargets: targets,
      budget: NO_BUDGET,
    };
    if (epoch < model.epoch) {
      const before = JSON.stringify(real.registry.status());
      expect(() => real.registry.applyAssignment(intent)).toThrow(StaleEpochError);
      expect(JSON.stringify(real.registry.status())).toBe(before);
      return;
    }
    real.registry.applyAssignment(intent);
    const bumped = epoch > model.epoch;
    model.epoch = epoch;
    for (const id of [...model.replicas.keys()]) if (!members.includes(id)) model.replicas.delete(id);
    for (const id of members) {
      const existing = model.replicas.get(id);
      if (!existing) {
        model.replicas.set(id, {
          version: versions.get(id)!,
          incarnation: ++model.incarnations,
          sessionId: null,
          phase: null,
        });
        continue;
      }
      if (existing.version !== versions.get(id) || bumped) {
        existing.sessionId = null;
        existing.phase = null;
      }
      existing.version = versions.get(id)!;
    }
    for (const id of Object.keys(targets).sort() as Id[]) {
      const m = model.replicas.get(id)!;
      m.sessionId = ++model.sessions;
      m.phase = "init";
    }
    expectMatches(model, real);
  }
  toString = () =>
    `assign(Δepoch=${this.epochDelta}, [${this.members}], moved=[${this.moved}], targets=${JSON.stringify(this.targets)})`;
}

class ConnectCommand implements fc.Command<Model, Real> {
  constructor(
    readonly id: Id,
    readonly staleBy: number,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const m = model.replicas.get(this.id);
    if (!m) {
      expect(() => real.registry.sender(this.id)).toThrow(UnknownReplicaError);
      return;
    }
    const sessionId = (m.sessionId ?? model.sessions) - this.staleBy;
    const sender = real.registry.sender(this.id);
    if (m.sessionId === null || sessionId !== m.sessionId) {
      expect(() => sender.beginConnect(sessionId)).toThrow(StaleSessionError);
    } else if (m.phase !== "init") {
      expect(() => sender.beginConnect(sessionId)).toThrow(ReplicationError);
    } else {
      sender.beginConnect(sessionId);
      m.phase = "connecting";
    }
    expectMatches(model, real);
  }
  toString = () => `connect(${this.id}, staleBy=${this.staleBy})`;
}

class InvalidateCommand implements fc.Command<Model, Real> {
  constructor(
    readonly id: Id,
    readonly staleBy: number,
  ) {}
  check = (model: Readonly<Model>) => model.replicas.has(this.id);
  run(model: Model, real: Real): void {
    const m = model.replicas.get(this.id)!;
    const sessionId = (m.sessionId ?? 0) - this.staleBy;
    const changed = real.registry.sender(this.id).invalidateSession(sessionId, "operator", "disconnected");
    expect(changed).toBe(m.sessionId !== null && this.staleBy === 0);
    if (changed) {
      m.sessionId = null;
      m.phase = null;
    }
    expectMatches(model, real);
  }
  toString = () => `invalidate(${this.id}, staleBy=${this.staleBy})`;
}

const id = fc.constantFrom(...IDS);
const commands = [
  fc
    .tuple(
      fc.integer({ min: -1, max: 1 }),
      fc.subarray([...IDS], { minLength: 1 }),
      fc.subarray([...IDS]),
      fc.array(fc.tuple(id, fc.constantFrom<SessionKind>("catch_up", "rebuild")), { maxLength: 2 }),
    )
    .map(([delta, members, moved, targets]) => new AssignCommand(delta, members, moved, targets)),
  fc.tuple(id, fc.constantFrom(0, 0, 1, 3)).map(([r, stale]) => new ConnectCommand(r, stale)),
  fc.tuple(id, fc.constantFrom(0, 1)).map(([r, stale]) => new InvalidateCommand(r, stale)),
];

describe("registry and sender API against a model", () => {
  it("keeps identity, epochs and session fencing as the model says", () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
        const log = new RecoveryLog({ nowMs: () => 0, sleepMs: async () => undefined });
        const real: Real = { registry: new Registry(log, defaultStrategies), log };
        const model: Model = { epoch: 0, replicas: new Map(), sessions: 0, incarnations: 0 };
        fc.modelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it("catches a registry keyed by address (V04): the same model fails", () => {
    expect(() =>
      fc.assert(
        fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
          const log = new RecoveryLog({ nowMs: () => 0, sleepMs: async () => undefined });
          const strategies = {
            ...defaultStrategies,
            registryKey: (_id: string, endpoint: { dataAddr: string }) => endpoint.dataAddr,
          };
          const real: Real = { registry: new Registry(log, strategies), log };
          const model: Model = { epoch: 0, replicas: new Map(), sessions: 0, incarnations: 0 };
          fc.modelRun(() => ({ model, real }), cmds);
        }),
        { numRuns: 150, seed: 7 },
      ),
    ).toThrow();
  });
});
