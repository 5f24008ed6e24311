/**
 * Where a sweep's tasks leave their results: `--results gs://BUCKET/PREFIX` (through the
 * project's own GCS adapter, adapters/gcs) or a local folder. Every file is written
 * create-if-absent, so a task that its engine retries never overwrites what a finished attempt
 * stored: GCS answers ifGenerationMatch=0 with 412, a folder refuses a hard link onto an
 * existing name. `report --from` reads the same place back.
 *
 * Layout under the prefix: one `run --json` file per shard (`run-shard-2-of-4.json`, or
 * `run.json` unsharded; a sweep task's is `sweep-<run id>-task-2-of-4.json`) and one capsule
 * per failure under `capsules/`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { GcsBlobStore } from "../adapters/gcs/gcs-blob-store.ts";
import { parseGcsLocation } from "../adapters/gcs/gcs-location.ts";
import { tokenProviderFromEnvironment } from "../adapters/gcs/token-provider.ts";
import { type BlobStore, listAll } from "../engine/blobstore/blob-store.ts";
import { AccessError, InvalidRequestError, PreconditionFailedError } from "../engine/blobstore/errors.ts";
import { realClock, realRandom } from "../engine/runtime-real.ts";
import type { SeedResult } from "../harness/result.ts";
import { UsageError } from "../harness/seeds.ts";
import { capsuleFileName, capsuleOf } from "./capsule.ts";
import { checkOutputFolder, writeOutputFileIfAbsent } from "./output-files.ts";

export interface ResultsSink {
  /** `gs://bucket/prefix/` or the folder, for messages. */
  readonly label: string;
  /** Stores `text` under `name` unless something is there already: "exists" then, untouched. */
  putIfAbsent(name: string, text: string): Promise<"created" | "exists">;
  /** Whether `name` is stored (a retried task's first question). */
  has(name: string): Promise<boolean>;
  read(name: string): Promise<string>;
  /** Every stored name under the prefix (relative to it), sorted. */
  list(): Promise<string[]>;
}

/** The GCS JSON API endpoint to use: BLOBSIM_GCS_ENDPOINT (an emulator, the loopback fake). */
export const ENDPOINT_ENV_VARIABLE = "BLOBSIM_GCS_ENDPOINT";

export const resultsFlag = {
  results: {
    type: "string",
    value: "gs://B/P|DIR",
    description:
      "store this task's result file (create-if-absent) and a capsule per failure in a bucket prefix or a folder",
  },
} as const;

const isBucketUrl = (text: string) => /^(gs|gcs):\/\//.test(text);

/**
 * Opens `--results` (checked, a folder created, before any seed runs) or, for reading
 * (`report --from`), a place that must already exist.
 */
export function openResultsSink(
  flag: string,
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  mode: "write" | "read" = "write",
): ResultsSink {
  if (text === "") throw new UsageError(`${flag} needs gs://BUCKET/PREFIX or a folder`);
  if (!isBucketUrl(text)) {
    if (mode === "write") return new FolderSink(checkOutputFolder(flag, text));
    let isFolder = false;
    try {
      isFolder = statSync(text).isDirectory();
    } catch {
      // Reported below.
    }
    if (!isFolder) throw new UsageError(`${flag} ${text}: no such folder`);
    return new FolderSink(text);
  }
  try {
    const location = parseGcsLocation(text);
    const store = new GcsBlobStore({
      bucket: location.bucket,
      prefix: location.prefix,
      baseUrl: env[ENDPOINT_ENV_VARIABLE] || undefined,
      // Throws MissingCredentialsError here, before any seed runs, when none are configured.
      tokenProvider: tokenProviderFromEnvironment({ ...env }, realClock),
      clock: realClock,
      random: realRandom,
    });
    return new BucketSink(store);
  } catch (error) {
    throw asUsageError(flag, error);
  }
}

/** Bad credentials, a missing bucket or a malformed location: one line, exit 2. */
export function asUsageError(flag: string, error: unknown): unknown {
  if (error instanceof AccessError || error instanceof InvalidRequestError)
    return new UsageError(`${flag}: ${error.name}: ${error.message}`);
  return error;
}

class BucketSink implements ResultsSink {
  readonly label: string;
  constructor(private readonly store: BlobStore & { describe(): string }) {
    this.label = store.describe().replace(/^gcs:/, "gs:");
  }
  async putIfAbsent(name: string, text: string): Promise<"created" | "exists"> {
    try {
      await this.store.put(name, new TextEncoder().encode(text), { ifNoneMatch: true });
      return "created";
    } catch (error) {
      if (error instanceof PreconditionFailedError) return "exists";
      throw error;
    }
  }
  async has(name: string): Promise<boolean> {
    return (await this.store.head(name)) !== null;
  }
  async read(name: string): Promise<string> {
    const object = await this.store.get(name);
    if (object === null) throw new UsageError(`${this.label}${name}: not found`);
    return new TextDecoder().decode(object.bytes);
  }
  async list(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of listAll(this.store, "")) names.push(entry.key);
    return names.sort();
  }
}

class FolderSink implements ResultsSink {
  readonly label: string;
  constructor(private readonly folder: string) {
    this.label = folder.endsWith("/") ? folder : `${folder}/`;
  }
  async putIfAbsent(name: string, text: string): Promise<"created" | "exists"> {
    return writeOutputFileIfAbsent(join(this.folder, name), text);
  }
  async has(name: string): Promise<boolean> {
    try {
      return statSync(join(this.folder, name)).isFile();
    } catch {
      return false;
    }
  }
  async read(name: string): Promise<string> {
    return readFileSync(join(this.folder, name), "utf8");
  }
  async list(): Promise<string[]> {
    const root = resolve(this.folder);
    const names = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !/\.tmp-\d+$/.test(entry.name))
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).split("\\").join("/"));
    return names.sort();
  }
}

/** The result file of one task: its shard in the name, so tasks never collide. */
export function resultFileName(shard: string | null, sweepRunId?: string): string {
  const part = shard === null ? "" : `-${shard.replace("/", "-of-")}`;
  if (sweepRunId !== undefined) return `sweep-${sweepRunId}-task${part}.json`;
  return shard === null ? "run.json" : `run-shard${part}.json`;
}

/**
 * Reads every result file under a sink, for `report --from`: the texts with their full names.
 * None at all is a problem (the gate reads INCOMPLETE), not an empty pass.
 */
export async function readStoredResults(
  sink: ResultsSink,
): Promise<{ entries: { path: string; text: string }[]; problems: string[] }> {
  let names: string[];
  try {
    names = (await sink.list()).filter(isResultFile);
  } catch (error) {
    throw asUsageError("--from", error);
  }
  const entries = await Promise.all(
    names.map(async (name) => ({ path: `${sink.label}${name}`, text: await sink.read(name) })),
  );
  return { entries, problems: names.length === 0 ? [`no result files under ${sink.label}`] : [] };
}

/** Result files (not capsules) among stored names. */
export const isResultFile = (name: string) => !name.startsWith("capsules/") && name.endsWith(".json");

/**
 * Before any seed runs: is this task's result already stored (its engine retried a task that
 * had finished)? Then the run is not repeated; the stored file's worst outcome is the exit code.
 */
export async function storedOutcome(sink: ResultsSink, name: string): Promise<SeedResult[] | null> {
  if (!(await sink.has(name))) return null;
  console.log(
    `RESULTS ${sink.label}${name} is already stored (a finished attempt of this task): not run again`,
  );
  // Its worst outcome is the exit code; a file that is not a run's (report --from names it) is
  // answered as a violation would be, so the task never reads as a pass it did not prove.
  let results: unknown;
  try {
    results = (JSON.parse(await sink.read(name)) as { results?: unknown }).results;
  } catch {
    results = undefined;
  }
  return Array.isArray(results) ? (results as SeedResult[]) : [{ status: "violation" } as SeedResult];
}

/**
 * After the run: the result file and one capsule per failure, each create-if-absent. An
 * interrupted run stores its capsules but not its result, so the engine's retry can still
 * finish the task.
 */
export async function storeTaskResults(
  sink: ResultsSink,
  name: string,
  reportText: string,
  results: readonly SeedResult[],
  shard: string | null,
  interrupted: boolean,
): Promise<void> {
  for (const result of results.filter((r) => !r.ok)) {
    const capsule = capsuleOf(result, shard);
    const capsuleName = capsuleFileName(capsule);
    await sink.putIfAbsent(capsuleName, `${JSON.stringify(capsule, null, 1)}\n`);
    console.log(`CAPSULE ${sink.label}${capsuleName}`);
  }
  if (interrupted) {
    console.log(`RESULTS not stored: the run was interrupted (a retry of this task runs it again)`);
    return;
  }
  const outcome = await sink.putIfAbsent(name, reportText);
  console.log(
    outcome === "created"
      ? `RESULTS stored ${sink.label}${name}`
      : `RESULTS ${sink.label}${name} was stored meanwhile by another attempt of this task: kept it, not overwritten`,
  );
}
