/** `--config`: a team's engine through the CLI, as a user meets it (a real process, exit codes). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));
const exampleConfig = fileURLToPath(new URL("../examples/etag-lease/blobsim.config.ts", import.meta.url));

function blobsim(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("blobsim --config", () => {
  const empty = join(mkdtempSync(join(tmpdir(), "blobsim-config-")), "empty.config.ts");
  writeFileSync(empty, "export default { bindings: {} };\n");

  it.each([
    [["run", "--config", "no/such/blobsim.config.ts"], /cannot load config .*no\/such\/blobsim.config.ts/],
    [["run", "--config", empty], /bindings must name at least one binding/],
    [["run", "--binding", "x"], /--binding needs --config/],
    [["run", "--config", exampleConfig, "--binding", "nope"], /no binding nope \(bindings: etag-lease\)/],
    [["hunt", "--config", exampleConfig, "--variant", "B04"], /unknown variant: B04/],
    [["report", "--config", exampleConfig, "--binding", "nope"], /no binding nope \(bindings: etag-lease\)/],
  ])("rejects %j with exit 2 and one line", (args, message) => {
    const run = blobsim(...args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split("\n")).toHaveLength(1);
  });

  it("hunts a config's own variant, unregistered in blobsim's catalog, and replays it by the printed line", () => {
    const hunt = blobsim("hunt", "--config", exampleConfig, "--variant", "ETAG-2", "--max-seeds", "10");
    expect(hunt.code).toBe(0);
    const found = hunt.out.match(/FOUND variant=ETAG-2 seed=(\d+) invariant=single-writer/);
    expect(found).not.toBeNull();
    const replayLine = hunt.out.match(/replay: npx blobsim (replay .*)/)![1]!;
    expect(replayLine).toContain("--config ");
    const replay = blobsim(...replayLine.replace(/--config \S+/, `--config ${exampleConfig}`).split(" "));
    expect(replay.code).toBe(1);
    expect(replay.out).toMatch(/VIOLATION invariant=single-writer/);
    const recorded = JSON.parse(
      readFileSync(new URL("../examples/etag-lease/blobsim.recorded.json", import.meta.url), "utf8"),
    );
    expect(recorded["ETAG-2"].seed).toBe(Number(found![1]));
  });

  it("reports on the config: its scenarios on its binding, its own variants at their recorded seeds", () => {
    const out = mkdtempSync(join(tmpdir(), "blobsim-config-report-"));
    const run = blobsim("report", "--config", exampleConfig, "--seeds", "1", "--out", out);
    expect(run.out).toMatch(/^REPORT .* failed=0 variants_holding=2\/2 /m);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const scenarioIds: string[] = report.scenarios.map((scenario: { id: string }) => scenario.id);
    expect(scenarioIds.length).toBeGreaterThan(0);
    expect(scenarioIds.every((id) => id.startsWith("lease."))).toBe(true);
    // blobsim's own variants patch blobsim's engine: only the config's are checked, and hold.
    const variants = report.variants.map(
      (v: { variant: string; reproduces: boolean; realPasses: boolean; replay: string }) => [
        v.variant,
        v.reproduces && v.realPasses,
        v.replay.includes("--config "),
      ],
    );
    expect(variants).toEqual([
      ["ETAG-1", true, true],
      ["ETAG-2", true, true],
    ]);
  });
});
