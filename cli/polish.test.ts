/** What users expect of a command line: --version, every flag described, "did you mean", CI progress. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { closestName } from "./did-you-mean.ts";
import { helpText } from "./help.ts";
import { commands } from "./main.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

function blobsim(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("command-line polish", () => {
  it("--version prints package.json's version", () => {
    const run = blobsim("--version");
    expect(run.code).toBe(0);
    expect(run.out.trim()).toBe(`blobsim ${pkg.version}`);
  });

  it.each(Object.keys(commands))("%s --help describes every flag the command accepts", (name) => {
    const command = commands[name]!;
    const text = helpText(command.help, command.flags);
    for (const [flag, spec] of Object.entries(command.flags)) {
      expect(spec.description.trim().length, `--${flag}`).toBeGreaterThan(10);
      expect(text).toMatch(
        new RegExp(
          `^  --${flag}\\b.*  ${spec.description.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
          "m",
        ),
      );
    }
  });

  it("the help test can fail: a flag without a line in the help is caught", () => {
    const text = helpText("usage", {
      seeds: { type: "string", value: "N", description: "seeds per scenario" },
    });
    expect(text).not.toMatch(/^  --json\b/m);
    expect(text).toMatch(/^  --seeds N {2}seeds per scenario$/m);
  });

  it("run --help through the real binary lists the flags with descriptions", () => {
    const run = blobsim("run", "--help");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^ {2}--json F\.json +write every seed's result/m);
    expect(run.out).toMatch(/^ {2}--shard i\/n +keep every n-th seed/m);
  });

  it.each([
    [["rnu"], /unknown command: rnu \(did you mean run\?\)/],
    [["run", "--sedes", "3"], /unknown option --sedes \(did you mean --seeds\?\)/],
    [
      ["run", "kernel.zombie-timer"],
      /unknown scenario: kernel\.zombie-timer \(did you mean kernel\.zombie-timers\?\)/,
    ],
    [["run", "--variant", "k01"], /unknown variant: k01 \(did you mean K01\?\)/],
    [["hunt", "--variant", "K0l"], /unknown variant: K0l \(did you mean K01\?\)/],
    [["run", "--criteria", "DUR-l"], /unknown criteria: DUR-l \(did you mean DUR-1\?\)/],
    [["bench", "kernal"], /unknown bench: kernal \(did you mean kernel\?\)/],
  ])("suggests the near name for %j, one line, exit 2", (args, message) => {
    const run = blobsim(...args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split("\n")).toHaveLength(1);
  });

  it("suggests nothing for a name far from every candidate", () => {
    expect(closestName("frobnicate", Object.keys(commands))).toBeNull();
    expect(blobsim("frobnicate").err).not.toMatch(/did you mean/);
  });

  it("in CI (stderr not a terminal) a run prints PROGRESS lines with seeds, failures and ETA", () => {
    const run = blobsim("run", "kernel.timers-and-kills", "--seeds", "20");
    expect(run.code).toBe(0);
    const lines = run.err.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.at(-1)).toMatch(/^PROGRESS run seeds=20\/20 \(100%\) failed=0 elapsed_s=\d+ eta_s=0$/);
    expect(run.out).not.toMatch(/PROGRESS/); // stdout stays FAIL and SUMMARY lines only
  });

  it("package.json: engines matches zlib.crc32 (Node 20.15), and the MIT LICENSE is there", () => {
    expect(pkg.engines.node).toBe(">=20.15");
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(new URL("../LICENSE", import.meta.url), "utf8")).toMatch(/^MIT License\n/);
  });
});
