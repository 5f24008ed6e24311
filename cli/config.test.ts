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
});
