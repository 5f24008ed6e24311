/** The command line as a user meets it: a real process, real exit codes, real output. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readRecordedSeeds } from "../fixtures/forensic/recorded.ts";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

function blobsim(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr, lines: run.stdout.trim().split("\n") };
}

describe("blobsim CLI", () => {
  it.each([
    [["run", "no-such-scenario"], /unknown scenario: no-such-scenario/],
    [["run", "--seed", "x1"], /--seed must be an unsigned integer/],
    [["run", "--shard", "5/4"], /--shard 5\/4/],
    [["run", "--seeds", "-3"], /--seeds must be a positive integer, got "-3"/],
    [["run", "--criteria", "NOPE-1"], /unknown criteria: NOPE-1/],
    [["run", "--variant", "Z99"], /unknown variant: Z99/],
    [["replay", "kernel.zombie-timers"], /replay needs --seed/],
    [["hunt"], /exactly one of --variant V or --all/],
    [["frobnicate"], /unknown command: frobnicate/],
  ])("rejects bad input %j with exit 2 and one line, no stack", (args, message) => {
    const run = blobsim(...args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split("\n")).toHaveLength(1);
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it("lists scenarios, variants, kill points and criteria as JSON", () => {
    const run = blobsim("list", "--json");
    expect(run.code).toBe(0);
    const data = JSON.parse(run.out);
    expect(Object.keys(data)).toEqual(["scenarios", "variants", "killPoints", "criteria"]);
    expect(data.scenarios[0]).toMatchObject({
      id: expect.any(String),
      title: expect.any(String),
      criteria: expect.any(Array),
    });
    expect(data.criteria.map((c: { id: string }) => c.id)).toContain("DUR-1");
  });

  it("runs seeds, ends with SUMMARY, writes JSON and JUnit; shards cover the run exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-cli-"));
    const whole = blobsim(
      "run",
      "kernel.timers-and-kills",
      "--seeds",
      "12",
      "--json",
      join(dir, "all.json"),
      "--junit",
      join(dir, "all.xml"),
    );
    expect(whole.code).toBe(0);
    expect(whole.lines.at(-1)).toMatch(/^SUMMARY seeds=12 failed=0 events=\d+ sim_s=\d+ wall_s=[\d.]+$/);
    const report = JSON.parse(readFileSync(join(dir, "all.json"), "utf8"));
    expect(report.results[0]).toMatchObject({
      scenario: "kernel.timers-and-kills",
      seed: 0,
      ok: true,
      violation: null,
    });
    expect(report.results[0].traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(readFileSync(join(dir, "all.xml"), "utf8")).toMatch(
      /<testcase classname="blobsim.kernel.timers-and-kills"/,
    );
    const sharded = [1, 2, 3].flatMap((i) => {
      const path = join(dir, `s${i}.json`);
      expect(
        blobsim(
          "run",
          "kernel.timers-and-kills",
          "--seeds",
          "12",
          "--shard",
          `${i}/3`,
          "--jobs",
          "2",
          "--json",
          path,
        ).code,
      ).toBe(0);
      return JSON.parse(readFileSync(path, "utf8")).results as Array<{ seed: number; traceHash: string }>;
    });
    const key = (r: { seed: number; traceHash: string }) => `${r.seed}:${r.traceHash}`;
    expect(sharded.map(key).sort()).toEqual(report.results.map(key).sort());
  });

  it("prints a FAIL line with the replay command and exits 1 when a variant breaks an invariant", () => {
    const run = blobsim("run", "kernel.timers-and-kills", "--seeds", "5", "--variant", "K01");
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /^FAIL kernel\.timers-and-kills seed=\d+ variant=K01 invariant=acked-write-durability trace=[0-9a-f]{16} at_ms=\d+ message="[^"]+" replay: npx blobsim replay kernel\.timers-and-kills --seed \d+ --variant K01$/m,
    );
    expect(run.out).toMatch(/^FAIL .*\n {2}swarm killer: \w+=/m);
    expect(run.lines.at(-1)).toMatch(/^SUMMARY seeds=5 failed=[1-5] /);
  });

  it("replays a seed with its trace hash, and hunt finds the self-test variant", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-cli-"));
    const replay = blobsim(
      "replay",
      "kernel.timers-and-kills",
      "--seed",
      "1",
      "--variant",
      "K01",
      "--trace",
      join(dir, "t.jsonl"),
    );
    expect(replay.code).toBe(1);
    expect(replay.out).toContain(`trace_hash=${readRecordedSeeds().get("K01")!.traceHash}`);
    expect(readFileSync(join(dir, "t.jsonl"), "utf8").split("\n")[0]).toMatch(/^\{"t":0,/);
    const hunt = blobsim("hunt", "--variant", "K01", "--max-seeds", "50");
    expect(hunt.code).toBe(0);
    // The first failing seed in order is 0 (the recorded seed 1 fails too).
    expect(hunt.lines[0]).toMatch(
      /^FOUND variant=K01 seed=0 invariant=acked-write-durability after=1 seeds wall_s=/,
    );
  });

  it("checks determinism in a worker thread", () => {
    const run = blobsim(
      "check-determinism",
      "kernel.timers-and-kills",
      "kernel.zombie-timers",
      "--seeds",
      "10",
    );
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /^DETERMINISM kernel\.timers-and-kills seeds=10 mismatches=0 distinct_traces=10 wall_s=[\d.]+$/m,
    );
    expect(run.lines.at(-1)).toMatch(/^SUMMARY seeds=20 mismatches=0 failed_scenarios=0/);
  });
});
