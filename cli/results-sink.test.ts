/**
 * A 4-task sweep whose tasks store their results in a bucket (the loopback fake GCS, through
 * the project's GCS adapter, as `--results gs://…` does against real GCS), with one task run
 * twice: the merged report equals the unsharded one, the retried task did not overwrite the
 * stored result, and a missing task makes the gate INCOMPLETE. Real `blobsim run` processes.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcsBlobStore } from "../adapters/gcs/gcs-blob-store.ts";
import { FakeGcsServer } from "../adapters/gcs/testing/fake-gcs-server.ts";
import { LOOPBACK_BUCKET, LOOPBACK_TOKEN } from "../adapters/gcs/testing/loopback-store.ts";
import { staticTokenProvider } from "../adapters/gcs/token-provider.ts";
import { realClock, realRandom } from "../engine/runtime-real.ts";
import { reportSeedCount } from "../reports/collect.ts";
import { mergedEvidencePlan } from "../reports/completeness.ts";
import { buildReport } from "../reports/evidence.ts";
import { readRunJson, readRunJsonTexts, type RunJsonInput } from "../reports/run-json.ts";
import { allScenarios } from "../scenarios/index.ts";
import { openResultsSink, readStoredResults, storedOutcome } from "./results-sink.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));
const RUN = ["run", "store.cas", "lease.locked-out", "--seeds", "6", "--jobs", "1"];

let server: FakeGcsServer;
let store: GcsBlobStore;
let env: Record<string, string>;

beforeAll(async () => {
  server = await FakeGcsServer.start({ buckets: [LOOPBACK_BUCKET], validTokens: [LOOPBACK_TOKEN] });
  env = { BLOBSIM_GCS_ENDPOINT: server.baseUrl, BLOBSIM_GCS_TOKEN: LOOPBACK_TOKEN };
  store = new GcsBlobStore({
    bucket: LOOPBACK_BUCKET,
    prefix: "nightly",
    baseUrl: server.baseUrl,
    tokenProvider: staticTokenProvider(LOOPBACK_TOKEN),
    clock: realClock,
    random: realRandom,
  });
});
afterAll(() => server.close());

/** A real process, asynchronously: the fake server in this process must keep answering. */
async function blobsim(args: string[], extraEnv: Record<string, string> = {}) {
  const { CLOUD_RUN_TASK_INDEX: _, JOB_COMPLETION_INDEX: __, ...base } = process.env;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...base, CI: "true", ...env, ...extraEnv },
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

function report(input: RunJsonInput) {
  const plan = mergedEvidencePlan(
    input.files,
    allScenarios,
    (s) => reportSeedCount(s, undefined),
    input.problems,
  );
  const data = buildReport({
    scenarios: allScenarios,
    results: input.results,
    variants: [],
    mode: "merged",
    inputs: [],
    shards: input.shards,
    generatedAt: "",
    wallS: 0,
    plan,
  });
  return {
    criteria: data.criteria.map((c) => ({
      id: c.id,
      status: c.status,
      seeds: (c as { seeds?: unknown }).seeds,
    })),
    results: input.results.map((r) => `${r.scenario}#${r.seed} ${r.status} ${r.traceHash}`).sort(),
    signOff: data.signOff,
  };
}

async function merged() {
  const sink = openResultsSink("--from", `gs://${LOOPBACK_BUCKET}/nightly`, env, "read");
  const stored = await readStoredResults(sink);
  const input = readRunJsonTexts(stored.entries);
  input.problems.unshift(...stored.problems);
  return report(input);
}

describe("a 4-task sweep into a bucket", () => {
  it("merges to the unsharded run, keeps a finished task's result on retry, and reads INCOMPLETE without a task", async () => {
    const results = ["--shard", "auto", "--results", `gs://${LOOPBACK_BUCKET}/nightly`];
    const task = (index: number) =>
      blobsim([...RUN, ...results], { CLOUD_RUN_TASK_INDEX: `${index}`, CLOUD_RUN_TASK_COUNT: "4" });
    const dir = mkdtempSync(join(tmpdir(), "blobsim-sweep-"));
    // Two at a time: two cores.
    const [unsharded, first] = await Promise.all([
      blobsim([...RUN, "--json", join(dir, "all.json")]),
      task(0),
    ]);
    const tasks = [first!, ...(await Promise.all([task(1), task(2)])), await task(3)];
    expect(unsharded.code).toBe(0);
    for (const [index, run] of tasks.entries()) {
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain(`SHARD ${index + 1}/4 from Cloud Run Jobs`);
      expect(run.out).toContain(
        `RESULTS stored gs://${LOOPBACK_BUCKET}/nightly/run-shard-${index + 1}-of-4.json`,
      );
    }
    const name = "run-shard-2-of-4.json";
    const before = await store.head(name);
    const storedJson = JSON.parse(new TextDecoder().decode((await store.get(name))!.bytes));
    expect(storedJson.shard).toBe("2/4");
    expect(storedJson.shardSource).toMatch(/CLOUD_RUN_TASK_INDEX=1/);

    const retry = await task(1);
    expect(retry.code).toBe(0);
    expect(retry.out).toMatch(/already stored .*not run again/);
    expect((await store.head(name))?.version).toBe(before?.version);
    // A second attempt that finished at the same moment meets the bucket's create-if-absent.
    const sink = openResultsSink("--results", `gs://${LOOPBACK_BUCKET}/nightly`, env);
    expect(await sink.putIfAbsent(name, "{}")).toBe("exists");
    expect((await store.head(name))?.version).toBe(before?.version);

    const whole = report(readRunJson([join(dir, "all.json")]));
    const sweep = await merged();
    expect(sweep.results).toEqual(whole.results);
    expect(sweep.results).toHaveLength(12);
    expect(sweep.criteria).toEqual(whole.criteria);
    expect(sweep.signOff).toEqual(whole.signOff);
    expect(sweep.signOff.missing.join("\n")).not.toMatch(/missing shards/);

    await store.delete("run-shard-3-of-4.json");
    const short = await merged();
    expect(short.signOff.complete).toBe(false);
    expect(short.signOff.missing.join("\n")).toMatch(/missing shards 3\/4/);
    expect(short.signOff.verdict).toMatch(/INCOMPLETE/);
    expect(readFileSync(join(dir, "all.json"), "utf8")).toContain('"shard": null');
  }, 240_000);

  it("an empty prefix is missing evidence, never a pass", async () => {
    const sink = openResultsSink("--from", `gs://${LOOPBACK_BUCKET}/nothing-here`, env, "read");
    const stored = await readStoredResults(sink);
    expect(stored.problems).toEqual([`no result files under gs://${LOOPBACK_BUCKET}/nothing-here/`]);
  });
});

describe("a results folder", () => {
  it("keeps the first file of a name, lists what is stored, and is read only where it exists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-results-"));
    const sink = openResultsSink("--results", join(dir, "r"));
    expect(await sink.putIfAbsent("run-shard-1-of-2.json", "first")).toBe("created");
    expect(await sink.putIfAbsent("run-shard-1-of-2.json", "second")).toBe("exists");
    expect(await sink.putIfAbsent("capsules/a-seed-1.json", "{}")).toBe("created");
    expect(await sink.read("run-shard-1-of-2.json")).toBe("first");
    expect(await sink.list()).toEqual(["capsules/a-seed-1.json", "run-shard-1-of-2.json"]);
    expect((await readStoredResults(sink)).entries.map((e) => e.path)).toEqual([
      `${join(dir, "r")}/run-shard-1-of-2.json`,
    ]);
    // A retried task whose stored file is unreadable exits as a violation would, never 0.
    expect(await storedOutcome(sink, "run-shard-1-of-2.json")).toEqual([{ status: "violation" }]);
    expect(await storedOutcome(sink, "run-shard-2-of-2.json")).toBeNull();
    expect(() => openResultsSink("--from", join(dir, "none"), {}, "read")).toThrow(/no such folder/);
    expect(() => openResultsSink("--results", "gs://blobsim-test/x", {})).toThrow(/no GCS credentials/);
  });
});
