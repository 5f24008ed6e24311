/**
 * Output paths are checked before anything runs and files are written atomically: a missing
 * folder is created, an unwritable path stops the command with one line and exit 2.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ADAPTER_SHARE } from "../harness/store-mode.ts";
import { describe, expect, it } from "vitest";
import { readRunJson } from "../reports/run-json.ts";
import { checkOutputFile, checkOutputFolder, OutputPathError, writeOutputFile } from "./output-files.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

function blobsim(cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("output files", () => {
  it("creates a missing folder; refuses a path under a file or a folder given as a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-out-"));
    expect(checkOutputFile("--json", join(dir, "a/b/r.json"))).toBe(join(dir, "a/b/r.json"));
    expect(existsSync(join(dir, "a/b"))).toBe(true);
    expect(readdirSync(join(dir, "a/b"))).toEqual([]); // the write probe leaves nothing behind
    writeFileSync(join(dir, "plain"), "x");
    expect(() => checkOutputFile("--json", join(dir, "plain/r.json"))).toThrow(OutputPathError);
    expect(() => checkOutputFile("--json", join(dir, "plain/r.json"))).toThrow(
      /--json: cannot create folder/,
    );
    expect(() => checkOutputFile("--html", dir)).toThrow(/--html .*: is a folder/);
    expect(() => checkOutputFolder("--out", join(dir, "plain"))).toThrow(OutputPathError);
    expect(checkOutputFile("--json", undefined)).toBeUndefined();
  });

  it("is the only writer of files in cli/ and reports/ (the check catches a stray writeFileSync)", () => {
    const writesDirectly = (source: string) => /\bwrite(File|FileSync|Sync)\b|createWriteStream/.test(source);
    expect(writesDirectly('import { writeFileSync } from "node:fs";')).toBe(true);
    const offenders: string[] = [];
    for (const folder of ["../cli/", "../reports/"]) {
      const url = new URL(folder, import.meta.url);
      for (const name of readdirSync(url)) {
        if (!name.endsWith(".ts") || name.endsWith(".test.ts") || name === "output-files.ts") continue;
        // chromium.ts unpacks the test browser into a tmp folder: not an output file of a command.
        if (name === "chromium.ts") continue;
        // hang-watchdog.ts writes its warning to fd 2 with writeSync (the main thread may be spinning).
        if (name === "hang-watchdog.ts") continue;
        if (writesDirectly(readFileSync(new URL(name, url), "utf8"))) offenders.push(`${folder}${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("replaces a file whole and leaves no temp file beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-out-"));
    const path = join(dir, "r.json");
    writeOutputFile(path, "old\n");
    writeOutputFile(path, "new\n");
    expect(readFileSync(path, "utf8")).toBe("new\n");
    expect(readdirSync(dir)).toEqual(["r.json"]);
  });

  it("run --json into a folder that does not exist writes it (the CI example's out/)", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-out-"));
    const run = blobsim(
      dir,
      "run",
      "kernel.timers-and-kills",
      "--seeds",
      "3",
      "--json",
      "out/x/r.json",
      "--junit",
      "out/j.xml",
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "out/x/r.json"), "utf8"));
    expect(report.results).toHaveLength(3);
    expect(report.plan).toEqual({
      lane: "sim",
      criteria: null,
      variant: null,
      // The main job's default: the adapter in the loop on a drawn share of seeds.
      store: "swarm",
      adapterShare: ADAPTER_SHARE,
      scenarios: [{ id: "kernel.timers-and-kills", seeds: "0-2" }],
    });
    expect(readFileSync(join(dir, "out/j.xml"), "utf8")).toMatch(/<testsuite/);
    // What run writes passes the schema report --from-json reads it with.
    const back = readRunJson([join(dir, "out/x/r.json")]);
    expect(back.problems).toEqual([]);
    expect(back.results).toHaveLength(3);
  });

  it.each([
    ["run", "kernel.timers-and-kills", "--seeds", "3", "--json"],
    ["run", "kernel.timers-and-kills", "--seeds", "3", "--junit"],
    ["replay", "kernel.timers-and-kills", "--seed", "1", "--trace"],
    ["replay", "kernel.timers-and-kills", "--seed", "1", "--html"],
    ["check-determinism", "kernel.timers-and-kills", "--seeds", "2", "--json"],
    ["hunt", "--variant", "K01", "--max-seeds", "2", "--json"],
    ["report", "--from-json", "nothing.json", "--out"],
  ])("%s … %s: an unwritable output path is exit 2, one line, before any seed runs", (...args) => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-out-"));
    writeFileSync(join(dir, "plain"), "x");
    const run = blobsim(dir, ...args, "plain/sub/file");
    expect(run.code).toBe(2);
    expect(run.err.trim().split("\n")).toHaveLength(1);
    expect(run.err).toMatch(/^blobsim: --(json|junit|trace|html|out)\b.*cannot create folder .*plain\/sub/);
    expect(run.err).not.toMatch(/\n\s+at /);
    expect(run.out).not.toMatch(/SUMMARY|REPLAY|FOUND|DETERMINISM/);
  });
});
