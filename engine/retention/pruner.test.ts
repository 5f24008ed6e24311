import { describe, expect, it } from "vitest";
import { MemoryCursorTable, MemoryOpsLog } from "./memory-storage.ts";
import { OpIdGenerator } from "./op-id.ts";
import { RetentionPruner } from "./pruner.ts";
import { defaultRetentionSeams } from "./seams.ts";
import { appendOps, ManualClock, testConfig } from "./test-support.ts";

async function world(retentionMs: number | undefined) {
  const clock = new ManualClock();
  const log = new MemoryOpsLog();
  const cursors = new MemoryCursorTable();
  const ops = await appendOps(log, clock, new OpIdGenerator(), 100);
  const pruner = new RetentionPruner({
    log,
    cursors,
    activePeers: async () => ["a.example", "primary.example"],
    selfHost: "Primary.Example/",
    clock,
    config: testConfig({ retentionMs }),
    seams: defaultRetentionSeams,
  });
  return { clock, log, cursors, ops, pruner };
}

describe("RetentionPruner (RET-1, RET-6)", () => {
  it("physically deletes below the peer floor in bounded batches, and never past it", async () => {
    const { log, cursors, ops, pruner } = await world(10_000);
    await cursors.put("a.example", { lastId: ops[49]! });
    const first = await pruner.tick();
    expect(first.deleted).toBe(30); // 3 batches of 10: bounded work per tick
    const second = await pruner.tick();
    expect(second.deleted).toBe(14); // cursor at op 50 (t=50 s), margin 5 s: ops before t=45 s go
    expect(await log.physicalSize()).toMatchObject({ rows: 56 });
    expect(await log.prunedThroughId()).toBe(ops[43]);
    expect((await pruner.tick()).deleted).toBe(0);
  });

  it("deletes nothing unless retention is configured", async () => {
    const { log, cursors, ops, pruner, clock } = await world(undefined);
    await cursors.put("a.example", { lastId: ops[99]! });
    clock.now += 86_400_000;
    expect(await pruner.tick()).toMatchObject({
      deleted: 0,
      decision: { kind: "skip", reason: "retention off" },
    });
    expect(await log.physicalSize()).toMatchObject({ rows: 100 });
  });

  it("runs one tick at a time: a tick asked for during another joins it", async () => {
    const { cursors, ops, pruner } = await world(10_000);
    await cursors.put("a.example", { lastId: ops[99]! });
    const [a, b] = [pruner.tick(), pruner.tick()];
    expect(a).toBe(b);
    expect((await a).deleted).toBe(30);
  });
});
