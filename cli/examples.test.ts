/**
 * Every deployable example in docs/ is parsed, and the blobsim command line it runs is accepted
 * by the CLI's own parser, with `--shard auto` resolving on that engine's environment to a
 * shard of the task count the manifest declares. The GitHub Actions run step also runs, in a
 * fresh folder without out/, as the workflow's first run would.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseCount } from "../harness/seeds.ts";
import { readRunJson } from "../reports/run-json.ts";
import { parse, seedSelection } from "./args.ts";
import { commands } from "./main.ts";
import { applyAutoShard } from "./shard-auto.ts";

const docs = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), "utf8");
const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

/** The CLI's parser on `argv` (command first) with `env` as the engine's; returns the shard. */
function accepted(argv: string[], env: Record<string, string>): string | undefined {
  const [name, ...args] = argv;
  const command = commands[name!];
  expect(command, `command ${name}`).toBeDefined();
  const parsed = parse(args, command!.flags);
  const shard = applyAutoShard(parsed.values, env);
  if (name === "run") seedSelection(parsed);
  if (name === "sweep") parseCount(String(parsed.values["budget-s"]), "--budget-s");
  if (typeof parsed.values.results === "string")
    expect(parsed.values.results).toMatch(/^(gs:\/\/[a-z0-9-]+\/|out\/)/);
  return shard?.text;
}

describe("deployable examples", () => {
  it("Cloud Run Job: YAML parses, its args run 4 shards", () => {
    const job = parseYaml(docs("examples/cloud-run-job.yaml"));
    const tasks = job.spec.template.spec.taskCount as number;
    const args = job.spec.template.spec.template.spec.containers[0].args as string[];
    expect(tasks).toBe(4);
    for (let task = 0; task < tasks; task++)
      expect(accepted(args, { CLOUD_RUN_TASK_INDEX: `${task}`, CLOUD_RUN_TASK_COUNT: `${tasks}` })).toBe(
        `${task + 1}/4`,
      );
    expect(docs("examples/cloud-run-job.yaml")).toMatch(
      /gcloud run jobs replace docs\/examples\/cloud-run-job\.yaml/,
    );
  });

  it("Kubernetes Indexed Job: manifest parses, --shard-count matches its completions", () => {
    const job = parseYaml(docs("examples/kubernetes-indexed-job.yaml"));
    expect(job.spec.completionMode).toBe("Indexed");
    const completions = job.spec.completions as number;
    const container = job.spec.template.spec.containers[0];
    const args = (container.args as string[]).map((arg) => arg.replace("$(JOB_UID)", "0b9f3c7e-uid"));
    expect(args[args.indexOf("--shard-count") + 1]).toBe(`${completions}`);
    expect(container.env.map((e: { name: string }) => e.name)).toContain("JOB_UID");
    for (let index = 0; index < completions; index++)
      expect(accepted(args, { JOB_COMPLETION_INDEX: `${index}` })).toBe(`${index + 1}/${completions}`);
  });

  it("AWS Batch array job definition: JSON parses, its command (parameters substituted) runs", () => {
    const definition = JSON.parse(docs("examples/aws-batch-job-definition.json"));
    const parameters = definition.parameters as Record<string, string>;
    const args = (definition.containerProperties.command as string[]).map((arg) =>
      arg.startsWith("Ref::") ? parameters[arg.slice(5)]! : arg,
    );
    const size = Number(parameters.tasks);
    for (let index = 0; index < size; index++)
      expect(accepted(args, { AWS_BATCH_JOB_ARRAY_INDEX: `${index}`, AWS_BATCH_JOB_ID: "e1:3" })).toBe(
        `${index + 1}/${size}`,
      );
    expect(docs("sweeps.md")).toMatch(/--array-properties size=4/);
  });

  it("Dockerfile: its entrypoint and default command run `run --shard auto --results`", () => {
    const dockerfile = docs("examples/Dockerfile");
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[];
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!) as string[];
    expect(entrypoint).toEqual(["node", "bin/blobsim.js"]);
    expect(cmd.slice(0, 3)).toEqual(["run", "--shard", "auto"]);
    expect(cmd).toContain("--results");
    expect(accepted(cmd, { CLOUD_RUN_TASK_INDEX: "1", CLOUD_RUN_TASK_COUNT: "3" })).toBe("2/3");
  });

  it("GitHub Actions matrix: workflow parses, its run step runs in a fresh folder and stores its shard", () => {
    const workflow = parseYaml(docs("ci-example.yml"));
    const shards = workflow.jobs.run.strategy.matrix.shard as number[];
    expect(String(workflow.jobs.run.env.BLOBSIM_SHARD_COUNT)).toBe(`${shards.length}`);
    const commandOf = (job: string, start: string) => {
      const step = (workflow.jobs[job].steps as { run?: string }[]).find((s) => s.run?.startsWith(start));
      expect(step, `${job}: ${start}`).toBeDefined();
      return step!.run!.replaceAll("${{ matrix.shard }}", "2").trim().split(/\s+/).slice(2);
    };
    const run = commandOf("run", "npx blobsim run");
    const env = { GITHUB_ACTIONS: "true", BLOBSIM_SHARD_INDEX: "2", BLOBSIM_SHARD_COUNT: `${shards.length}` };
    expect(accepted(run, env)).toBe("2/4");
    expect(accepted(commandOf("report", "npx blobsim report"), {})).toBeUndefined();
    expect((workflow.jobs.report.steps as { run?: string }[]).some((s) => s.run === "mkdir -p out")).toBe(
      true,
    );

    // Shard 2/4 of a 1-seed run holds no seed: it costs nothing, and still writes out/.
    const dir = mkdtempSync(join(tmpdir(), "blobsim-ci-"));
    const args = run.map((arg) => (arg === "2000" ? "1" : arg));
    const result = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CI: "true", ...env },
    });
    expect(result.status, result.stderr).toBe(0);
    const stored = readRunJson([join(dir, "out/run-shard-2-of-4.json")]);
    expect(stored.problems).toEqual([]);
    expect(stored.files[0]).toMatchObject({ shard: "2/4", plan: { lane: "sim" } });
    expect(readFileSync(join(dir, "out/junit-2.xml"), "utf8")).toMatch(/<testsuite/);
  });
});
