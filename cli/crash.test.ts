/**
 * A crash or a hang inside a seed is a finding, never a lost run: a user's scenario module
 * (written here to a temp folder, not in the repo) throws inside its process on seeds 3 and 7
 * and spins forever, never yielding, on seed 5.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/blobsim.js");

const CRASHY = `
export const crashy = {
  id: "user.crashy",
  title: "throws on seeds 3 and 7, spins forever on seed 5",
  criteria: [],
  lane: "sim",
  defaultSeeds: 10,
  seedTimeoutS: 3,
  async run({ world, seed }: { world: any; seed: number }) {
    const proc = world.spawn("worker");
    void proc.start(async (self: any) => {
      await self.sleep(5);
      if (seed === 3) throw new Error("boom in the process body on seed " + seed);
      if (seed === 7)
        self.setTimer(1, "tick", () => queueMicrotask(() => { throw new TypeError("boom in a microtask"); }));
      if (seed === 5) for (;;) await null;
      await self.sleep(10);
    });
    await world.run();
    return { metrics: {} };
  },
};
`;

function tempModule(): { dir: string; module: string } {
  const dir = mkdtempSync(join(tmpdir(), "blobsim-crash-"));
  const module = join(dir, "crashy.ts");
  writeFileSync(module, CRASHY);
  return { dir, module };
}

function blobsim(cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr, lines: run.stdout.trim().split("\n") };
}

describe("crashes and hangs inside seeds", () => {
  it("run reports 2 crashes and 1 timeout with replay lines, keeps all 10 seeds, exits 4; replay shows the crash", () => {
    const { dir } = tempModule();
    const run = blobsim(
      dir,
      "run",
      "--scenarios",
      "./crashy.ts",
      "--seeds",
      "10",
      "--json",
      "out/x/r.json",
      "--junit",
      "out/x/r.xml",
    );
    expect(run.code, run.out + run.err).toBe(4);
    const fails = run.lines.filter((line) => line.startsWith("FAIL"));
    expect(fails).toEqual([
      expect.stringMatching(
        /^FAIL user\.crashy seed=3 invariant=crash .*boom in the process body.* replay: npx blobsim replay user\.crashy --seed 3 --scenarios \.\/crashy\.ts$/,
      ),
      expect.stringMatching(
        /^FAIL user\.crashy seed=5 invariant=liveness .*wall budget.* replay: npx blobsim replay user\.crashy --seed 5 --scenarios \.\/crashy\.ts$/,
      ),
      expect.stringMatching(
        /^FAIL user\.crashy seed=7 invariant=crash .*boom in a microtask.* replay: npx blobsim replay user\.crashy --seed 7 --scenarios \.\/crashy\.ts$/,
      ),
    ]);
    const report = JSON.parse(readFileSync(join(dir, "out/x/r.json"), "utf8"));
    expect(report.interrupted).toBe(false);
    expect(report.results.map((r: { seed: number }) => r.seed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const byStatus = (status: string) =>
      report.results
        .filter((r: { status: string }) => r.status === status)
        .map((r: { seed: number }) => r.seed);
    expect(byStatus("crash")).toEqual([3, 7]);
    expect(byStatus("timeout")).toEqual([5]);
    expect(report.results[3].error.stack).toMatch(/boom in the process body on seed 3\n\s+at .*crashy\.ts/);
    expect(report.results[7].error).toMatchObject({ where: "uncaught exception", name: "TypeError" });
    expect(report.results[5].violation.message).toMatch(/wall budget of 3 s.*wall_ms=\d+/);
    const junit = readFileSync(join(dir, "out/x/r.xml"), "utf8");
    expect(junit).toMatch(/<error message="3 of 10 seeds crashed or timed out/);
    expect(junit).not.toMatch(/<failure/);

    const replay = blobsim(dir, "replay", "user.crashy", "--seed", "3", "--scenarios", "./crashy.ts");
    expect(replay.code).toBe(4);
    expect(replay.out).toMatch(
      /CRASH invariant=crash at_ms=5 process worker: Error: boom in the process body on seed 3/,
    );
    expect(replay.out).toMatch(/at .*crashy\.ts/);
  });

  it("--jobs 999 on a 40-seed run is capped at the cores with one warning and finishes", () => {
    const run = blobsim(root, "run", "kernel.timers-and-kills", "--seeds", "40", "--jobs", "999");
    expect(run.code).toBe(0);
    // PROGRESS lines (stderr is not a terminal here) aside, the warning is the only line.
    expect(
      run.err
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("PROGRESS ")),
    ).toEqual([expect.stringMatching(/^blobsim: --jobs 999 is more than the \d+ cores here; using \d+$/)]);
    expect(run.lines.at(-1)).toMatch(/^SUMMARY seeds=40 failed=0 /);
  });

  it("--bail stops at the first failing seed", () => {
    const { dir } = tempModule();
    const run = blobsim(dir, "run", "--scenarios", "./crashy.ts", "--seeds", "10", "--jobs", "1", "--bail");
    expect(run.code).toBe(4);
    expect(run.lines.filter((line) => line.startsWith("FAIL"))).toHaveLength(1);
    expect(run.lines.at(-1)).toMatch(/^SUMMARY seeds=4 failed=1 /);
  });

  it("seedTests fails exactly the seeds that threw or spun, naming the test file in the rerun line", () => {
    const { dir, module } = tempModule();
    const testFile = join(dir, "crashy.test.ts");
    writeFileSync(
      testFile,
      `import { describe } from "vitest";
import { builtinRegistry } from ${JSON.stringify(join(root, "fixtures/registry.ts"))};
import { seedTests } from ${JSON.stringify(join(root, "harness/vitest.ts"))};
import { crashy } from "./crashy.ts";
describe("crashy", () => seedTests(crashy, { seeds: 10, registry: builtinRegistry, module: ${JSON.stringify(module)} }));
`,
    );
    writeFileSync(join(dir, "vitest.config.ts"), `export default { test: { include: ["*.test.ts"] } };\n`);
    const results = join(dir, "results.json");
    const vitest = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "--root",
        dir,
        "--reporter=json",
        `--outputFile=${results}`,
      ],
      { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    expect(vitest.status, vitest.stderr).toBe(1);
    const outcome = JSON.parse(readFileSync(results, "utf8"));
    const tests = outcome.testResults[0].assertionResults as {
      title: string;
      status: string;
      failureMessages: string[];
    }[];
    expect(tests.filter((t) => t.status === "failed").map((t) => t.title)).toEqual([
      "user.crashy seed 3",
      "user.crashy seed 5",
      "user.crashy seed 7",
    ]);
    expect(tests.filter((t) => t.status === "passed")).toHaveLength(7);
    expect(vitest.stdout + vitest.stderr).not.toMatch(/Unhandled/); // nothing blamed on another test
    const seed3 = tests.find((t) => t.title === "user.crashy seed 3")!.failureMessages.join("\n");
    expect(seed3).toMatch(/seed 3 failed: crash of crash at 5 ms: process worker: Error: boom/);
    expect(seed3).toMatch(/rerun this test: npx vitest run \S*crashy\.test\.ts -t "user\.crashy seed 3\$"/);
    const seed5 = tests.find((t) => t.title === "user.crashy seed 5")!.failureMessages.join("\n");
    expect(seed5).toMatch(/timeout of liveness/);
  });

  it("Ctrl-C in the middle of a 2000-seed run keeps the finished seeds, marks interrupted, exits 130", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-sigint-"));
    const json = join(dir, "F.json");
    const marker = join(dir, "started");
    // Each seed spends about 20 ms of wall time, and seed 2 leaves a marker: the signal comes
    // while the run is surely under way, however busy the machine.
    writeFileSync(
      join(dir, "slow.ts"),
      `import { writeFileSync } from "node:fs";
export const slow = {
  id: "user.slow", title: "20 ms of wall time a seed", criteria: [], lane: "sim", defaultSeeds: 2000,
  async run({ world, seed }: { world: any; seed: number }) {
    if (seed === 2) writeFileSync(${JSON.stringify(marker)}, "2");
    const until = performance.now() + 20;
    while (performance.now() < until);
    void world.spawn("p").start(async (self: any) => { await self.sleep(1); });
    await world.run();
    return { metrics: {} };
  },
};
`,
    );
    const child = spawn(
      process.execPath,
      [bin, "run", "--scenarios", "./slow.ts", "--seeds", "2000", "--jobs", "2", "--json", json],
      { cwd: dir, env: { ...process.env, CI: "true" } },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGINT");
    const code = await exited;
    expect(code, out + err).toBe(130);
    expect(err).toMatch(/SIGINT: starting no more seeds/);
    expect(existsSync(json)).toBe(true);
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.interrupted).toBe(true);
    const seeds = report.results.map((r: { seed: number }) => r.seed);
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds.length).toBeLessThan(2000);
    expect(seeds).toEqual(Array.from({ length: seeds.length }, (_, i) => i));
    expect(out.trim().split("\n").at(-1)).toBe(`INTERRUPTED after ${seeds.length} of 2000 seeds`);
  });
});
