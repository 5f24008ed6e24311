/**
 * backup.retention-edges (issue 21): a backup schedule placed at the policy's boundaries, on a
 * clean cold store with no kills, so every GC run's decision can be held against the policy
 * computed independently (invariants/backup-retention.ts). The simulated month starts Thursday
 * 2026-01-01 (SIM_EPOCH_MS); backups land minutes before or after UTC midnights, the ISO week
 * edge (Sunday → Monday 2026-01-05) and the month edge (January → February), more backups than
 * keepLast holds, and GC runs whose maxAgeDays cutoff falls among them.
 */
import { readBackupIndex } from "../../engine/backup/backup-index.ts";
import type { BackupEntry } from "../../engine/backup/backup-index.ts";
import type { RetentionPolicy } from "../../engine/backup/retention.ts";
import { retentionDecisionProblems } from "../../invariants/backup-retention.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { BACKUP_PREFIX, BackupWorld } from "./backup-world.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const POLICIES: ReadonlyArray<{ name: string; policy: RetentionPolicy }> = [
  { name: "keepLast2", policy: { keepLast: 2 } },
  { name: "keepLast3", policy: { keepLast: 3 } },
  { name: "maxAge1d", policy: { maxAgeDays: 1 } },
  { name: "maxAge2d", policy: { maxAgeDays: 2 } },
  { name: "gfs-d2", policy: { gfs: { daily: 2 } } },
  { name: "gfs-w2", policy: { gfs: { weekly: 2 } } },
  { name: "gfs-m2", policy: { gfs: { monthly: 2 } } },
  { name: "gfs-d1w1m1", policy: { gfs: { daily: 1, weekly: 1, monthly: 1 } } },
  { name: "keepLast1+gfs-w1", policy: { keepLast: 1, gfs: { weekly: 1 } } },
];

/** Edges in days after the epoch: Fri, Sat, Sun, the ISO week edge (Mon 5th), Tue, Feb 1st. */
const EDGE_DAYS = [1, 2, 3, 4, 4, 5, 31, 31, 32];

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world } = ctx;
  const drawn = world.draw("retention-edges", (rng) => ({
    policy: rng.pick(POLICIES.map((p) => p.name)),
    // Per edge: minutes before (negative) or after it that the backup's manifest read lands.
    offsets: EDGE_DAYS.map(() => rng.pick([-30, -3, 3, 30])).join(","),
  }));
  const policy = POLICIES.find((p) => p.name === drawn.policy)!.policy;
  const offsets = drawn.offsets.split(",").map(Number);
  const bw = new BackupWorld(ctx, { coldFaults: false });
  let checked = 0;
  let retiredTotal = 0;
  bw.start(async (supervisor) => {
    let known: BackupEntry[] = [];
    for (let round = 0; round < EDGE_DAYS.length && world.violations.length === 0; round++) {
      await bw.writeLife(2);
      const targetMs = EDGE_DAYS[round]! * DAY_MS + offsets[round]! * MINUTE_MS;
      const waitMs = targetMs - world.nowMs;
      if (waitMs > 0) await supervisor.sleep(waitMs);
      const outcome = await bw.backup(`archiver.${round}`);
      const judged = outcome?.kind === "created" ? [...known, outcome.entry] : known;
      const gc = await bw.retention(`gc.${round}`, policy);
      if (gc === null) return; // a failure is already a violation
      retiredTotal += gc.retired.length;
      const decided = new Set([...gc.kept, ...gc.retired]);
      if (decided.size === judged.length && judged.every((entry) => decided.has(entry.id))) {
        checked++;
        for (const problem of retentionDecisionProblems(judged, policy, gc).slice(0, 3))
          world.violate("retention-policy", `round ${round} (${drawn.policy}): ${problem}`);
      }
      // Restoring every indexed backup is the round's dearest step: the last round does it.
      if (round === EDGE_DAYS.length - 1) await bw.checkBackups(`round.${round}`);
      const probe = world.spawn(`probe.${round}`);
      const current = await readBackupIndex(bw.cold.client(probe), BACKUP_PREFIX, { clock: probe.clock });
      probe.kill("done");
      known = current?.index.backups ?? [];
    }
  });
  // The schedule spans a month edge: past the default seven-day bound, in simulated time only.
  await world.run({ maxSimMs: 40 * DAY_MS });
  return { metrics: { policy: drawn.policy, checked, retiredTotal } };
}

export const backupRetentionEdges: Scenario = {
  id: "backup.retention-edges",
  title:
    "Backups at keepLast, maxAgeDays and GFS day/ISO-week/month edges: every GC decision matches the policy computed independently",
  criteria: ["E6-D"],
  lane: "sim",
  defaultSeeds: 90,
  killPoints: [],
  run,
};
