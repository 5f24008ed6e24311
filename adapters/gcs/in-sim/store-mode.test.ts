/**
 * The store mode dimension: `--store adapter` runs a scenario with every client a GcsBlobStore
 * over the kernel-served fetch, deterministically (twice, the same trace, sanitizer on: no wall
 * time or real timers in the adapter's path); `swarm` draws the adapter for a share of seeds and
 * a drawn seed replays identically with `--store adapter`; the adapter variants are met only
 * with the adapter in the loop.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runSeed } from "../../../harness/run-seed.ts";
import { ADAPTER_SHARE, resolveStoreMode } from "../../../harness/store-mode.ts";
import { World } from "../../../sim/world.ts";

const bin = fileURLToPath(new URL("../../../bin/blobsim.js", import.meta.url));

describe("store mode", () => {
  it("adapter mode replays a seed event for event, with the sanitizer on", async () => {
    const first = await runSeed("lease.simultaneous-takeover", 3, { store: "adapter", sanitize: true });
    const second = await runSeed("lease.simultaneous-takeover", 3, { store: "adapter" });
    expect(first.result.ok, first.result.violation?.message).toBe(true);
    expect(first.result.store).toBe("adapter");
    expect(second.result.traceHash).toBe(first.result.traceHash);
    // (A clean wire adds no event: such a seed has the in-process run's hash. AD02 below shows
    // the adapter is in the loop.)
  });

  it("swarm draws the adapter for about its share of seeds, and a drawn seed is the adapter run", async () => {
    const drawn: number[] = [];
    for (let seed = 0; seed < 200; seed++)
      if (resolveStoreMode("swarm", new World({ seed })) === "adapter") drawn.push(seed);
    expect(drawn.length).toBeGreaterThan(200 * ADAPTER_SHARE * 0.6);
    expect(drawn.length).toBeLessThan(200 * ADAPTER_SHARE * 1.5);
    // A scenario without a blob store is the in-process run whatever was drawn.
    const storeless = await runSeed("kernel.timers-and-kills", drawn[0]!, { store: "swarm" });
    expect(storeless.result.store).toBeUndefined();
    expect(storeless.result.swarm.store).toBeUndefined();
    const seed = drawn[0]!;
    const swarm = await runSeed("lease.simultaneous-takeover", seed, { store: "swarm" });
    const adapter = await runSeed("lease.simultaneous-takeover", seed, { store: "adapter" });
    expect(swarm.result.store).toBe("adapter");
    expect(swarm.result.traceHash).toBe(adapter.result.traceHash);
  });

  it("AD02 (429 read as 412) fails only with the adapter in the loop", async () => {
    const adapter = await runSeed("store.cas-rate-limit", 0, { variant: "AD02", store: "adapter" });
    expect(adapter.result.violation?.invariant).toBe("store-mutation-rate-limit");
    const inProcess = await runSeed("store.cas-rate-limit", 0, { variant: "AD02", store: "sim" });
    expect(inProcess.result.ok).toBe(true);
  });

  it("check-determinism covers the adapter mode; a bad --store is a usage error", () => {
    const run = spawnSync(
      process.execPath,
      [bin, "check-determinism", "lease.simultaneous-takeover", "--store", "adapter", "--seeds", "4"],
      { encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^DETERMINISM lease\.simultaneous-takeover seeds=4 mismatches=0/m);
    const bad = spawnSync(process.execPath, [bin, "run", "--store", "bogus"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('blobsim: --store must be sim, adapter or swarm, got "bogus"');
  });
});
