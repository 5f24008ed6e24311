/** `blobsim init` as a user meets it: a real process in an empty folder, then in one already started. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { starterFiles } from "./init.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

function init(cwd: string) {
  const run = spawnSync(process.execPath, [bin, "init"], { cwd, encoding: "utf8" });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("blobsim init", () => {
  it("writes the config, the binding skeleton and the scenario test into the current folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-init-"));
    const run = init(dir);
    expect(run.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(starterFiles).sort());
    for (const [name, text] of Object.entries(starterFiles))
      expect(readFileSync(join(dir, name), "utf8")).toBe(text);
    // The three fit together: the config imports the skeleton, the test runs the config.
    expect(starterFiles["blobsim.config.ts"]).toMatch(/from "\.\/my-binding\.js"/);
    expect(starterFiles["my-binding.ts"]).toMatch(/class MyWriter implements WriterRole/);
    expect(starterFiles["blobsim.scenario.test.ts"]).toMatch(
      /"--config", join\(here, "blobsim\.config\.ts"\)/,
    );
  });

  it("refuses to overwrite: exit 2, one line, nothing written", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-init-"));
    writeFileSync(join(dir, "my-binding.ts"), "// mine\n");
    const run = init(dir);
    expect(run.code).toBe(2);
    expect(run.err.trim().split("\n")).toEqual([
      expect.stringMatching(/^blobsim: init: my-binding\.ts already in .*; nothing written$/),
    ]);
    expect(readdirSync(dir)).toEqual(["my-binding.ts"]);
    expect(readFileSync(join(dir, "my-binding.ts"), "utf8")).toBe("// mine\n");
  });
});
