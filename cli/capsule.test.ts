/**
 * A failure capsule written by one process replays, in a fresh process, to the trace hash it
 * records; a capsule whose hash no longer matches is NOT REPRODUCED (exit 1); a differing
 * build is warned about. The failure is forensic variant L01's recorded seed (cheap).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UsageError } from "../harness/seeds.ts";
import { buildDifferences, buildIdentity, parseCapsule } from "./capsule.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

function blobsim(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("failure capsules", () => {
  it("replay in a fresh process to the recorded trace hash, and say so when they no longer do", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-capsule-"));
    const run = blobsim("run", "lease.locked-out", "--seed", "0", "--variant", "L01", "--results", dir);
    expect(run.code).toBe(1);
    const names = readdirSync(join(dir, "capsules"));
    expect(names).toEqual(["lease.locked-out-seed-0-L01.json"]);
    const path = join(dir, "capsules", names[0]!);
    const capsule = parseCapsule(path, readFileSync(path, "utf8"));
    const failLine = run.out.split("\n").find((line) => line.startsWith("FAIL "))!;
    expect(failLine).toContain(`trace=${capsule.traceHash}`);
    expect(capsule).toMatchObject({
      scenario: "lease.locked-out",
      seed: 0,
      variant: "L01",
      decisionLog: { version: 1, scenario: "lease.locked-out", seed: 0, others: "draw" },
    });
    // The log holds at least the seed's swarm draws, and forcing all of it reruns the seed.
    expect(capsule.decisionLog!.decisions.length).toBeGreaterThan(0);
    const planPath = join(dir, "plan.json");
    writeFileSync(planPath, JSON.stringify(capsule.decisionLog));
    const planned = blobsim(
      "replay",
      "lease.locked-out",
      "--seed",
      "0",
      "--variant",
      "L01",
      "--plan",
      planPath,
    );
    expect(planned.out).toContain(`trace_hash=${capsule.traceHash}`);
    expect(capsule.build).toEqual(buildIdentity());

    const replay = blobsim("replay", "--capsule", path);
    expect(replay.code, replay.out + replay.err).toBe(0);
    expect(replay.out).toContain(`trace_hash=${capsule.traceHash}`);
    expect(replay.out).toMatch(/^REPRODUCED lease\.locked-out seed=0/m);
    expect(replay.out).not.toMatch(/^WARNING/m);

    // Another build, and a hash this build does not produce: warned, and not reproduced.
    const other = {
      ...capsule,
      traceHash: "0000000000000000",
      build: { ...capsule.build, nodeVersion: "v99.0.0" },
    };
    const otherPath = join(dir, "other.json");
    writeFileSync(otherPath, JSON.stringify(other));
    const stale = blobsim("replay", "--capsule", otherPath);
    expect(stale.code).toBe(1);
    expect(stale.out).toMatch(/^WARNING capsule built with nodeVersion=v99\.0\.0, this build has v/m);
    expect(stale.out).toMatch(/^NOT REPRODUCED lease\.locked-out seed=0/m);
  });

  it("rejects a malformed capsule and a capsule given with a seed, in one line", () => {
    expect(() => parseCapsule("c.json", "{}")).toThrow(UsageError);
    expect(() => parseCapsule("c.json", "nope")).toThrow(/not JSON/);
    const bad = blobsim("replay", "--capsule", "c.json", "--seed", "3");
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split("\n")).toHaveLength(1);
    expect(buildDifferences(buildIdentity(), buildIdentity())).toEqual([]);
  });
});
