import { allVariants } from "../fixtures/forensic/index.ts";
import { recordFileOf } from "../harness/config.ts";
import type { RegistryVariant } from "../harness/registry.ts";
import {
  readRecordedSeeds,
  type RecordedSeed,
  recordedSeedsPath,
  writeRecordedSeeds,
} from "../fixtures/forensic/recorded.ts";
import { reRecord, type ReRecordOutcome } from "../fixtures/forensic/re-record.ts";
import { createRunner } from "../harness/pool.ts";
import { parseCount, parseSeed, UsageError } from "../harness/seeds.ts";
import { flag, jobs, type Options, parse, str } from "./args.ts";
import { commandConfig, commandRegistry } from "./registry.ts";

export const recordHelp = `blobsim record VARIANT… [--max-seeds N] [--from S] [--jobs J] [--config PATH]
blobsim record --all [--max-seeds N] [--from S] [--jobs J]
Re-finds and re-records forensic seeds in fixtures/forensic/recorded.json (the only file it writes;
with --config, the config's variants in its own record file, blobsim.recorded.json beside it).
Each recorded seed is replayed first: kept if it still fails with the variant's invariant and the
real engine passes it (its trace hash updated), else a new seed is hunted in the variant's
scenarios from S (default 0) over at most N seeds (default 2000). One line per variant says what
changed; --all also drops records of variants that no longer exist.
Exit 0 when every variant has a holding record, 1 when a hunt found none (its old record is kept).`;

export const recordFlags: Options = {
  all: { type: "boolean", description: "re-record every forensic variant" },
  config: {
    type: "string",
    value: "PATH",
    description: "a blobsim.config.ts: record its variants in its own record file, not blobsim's",
  },
  binding: {
    type: "string",
    value: "NAME",
    description: "which of the config's bindings is the real engine",
  },
  "max-seeds": { type: "string", value: "N", description: "hunt at most N seeds per variant (default 2000)" },
  from: { type: "string", value: "S", description: "first seed a hunt tries (default 0)" },
  jobs: { type: "string", value: "J", description: "worker threads (default 1)" },
};

function show(record: RecordedSeed | null): string {
  return record ? `${record.scenario} seed=${record.seed} hash=${record.traceHash}` : "none";
}

function describe(outcome: ReRecordOutcome): string {
  switch (outcome.kind) {
    case "unchanged":
      return `UNCHANGED variant=${outcome.variant} ${show(outcome.record)}`;
    case "rehashed":
      return `REHASHED variant=${outcome.variant} ${outcome.record.scenario} seed=${outcome.record.seed} hash=${outcome.before.traceHash}->${outcome.record.traceHash}`;
    case "reseeded":
      return `RESEEDED variant=${outcome.variant} was ${show(outcome.before)} now ${show(outcome.record)} after=${outcome.seedsTried} seeds`;
    case "not-found":
      return `NOT FOUND variant=${outcome.variant} seeds=${outcome.seedsTried} (kept ${show(outcome.before)})`;
  }
}

export async function recordCommand(args: string[]): Promise<number> {
  const parsed = parse(args, recordFlags);
  const all = flag(parsed, "all");
  if (all === parsed.positionals.length > 0)
    throw new UsageError("record needs variant ids or --all (not both)");
  // With --config: the config's variants, its registry, its own record file.
  const loaded = await commandConfig(parsed);
  const registry = loaded ? await commandRegistry(parsed) : undefined;
  const catalog: readonly RegistryVariant[] = loaded
    ? (loaded.config.variants ?? []).map((own) => registry!.findVariant(own.id)!)
    : allVariants;
  const find = (id: string) => catalog.find((variant) => variant.id === id);
  const variants = all ? [...catalog] : parsed.positionals.map((id) => find(id) ?? badVariant(id));
  const recordFile = loaded ? recordFileOf(loaded.config, loaded.path) : recordedSeedsPath;
  const maxText = str(parsed, "max-seeds");
  const fromText = str(parsed, "from");
  const threads = jobs(parsed, 1);
  const options = {
    maxSeeds: maxText === undefined ? 2000 : parseCount(maxText, "--max-seeds"),
    fromSeed: fromText === undefined ? 0 : parseSeed(fromText, "--from"),
    window: Math.max(1, threads * 2),
    ...(registry ? { registry } : {}),
  };
  const records = readRecordedSeeds(recordFile);
  let changed = 0;
  let missing = 0;
  if (all) {
    const known = new Set(catalog.map((variant) => variant.id));
    for (const id of [...records.keys()].filter((id) => !known.has(id))) {
      console.log(`DROPPED variant=${id} (no such variant) was ${show(records.get(id)!)}`);
      records.delete(id);
      changed++;
    }
  }
  const runner = createRunner(threads, registry);
  try {
    for (const variant of variants) {
      const before = records.get(variant.id) ?? (variant as { recorded?: RecordedSeed }).recorded ?? null;
      const outcome = await reRecord(variant, before, runner, options);
      console.log(describe(outcome));
      if (outcome.kind === "not-found") {
        missing++;
        continue;
      }
      if (sameRecord(records.get(variant.id), outcome.record)) continue;
      records.set(variant.id, outcome.record);
      changed++;
      // Written after every change, so an interrupted --all keeps what it found.
      writeRecordedSeeds(records, recordFile);
    }
    if (all && changed > 0) writeRecordedSeeds(records, recordFile); // the drops, when nothing else changed
  } finally {
    await runner.close();
  }
  console.log(
    `RECORD variants=${variants.length} changed=${changed} not_found=${missing} file=${recordFile}`,
  );
  return missing === 0 ? 0 : 1;
}

function sameRecord(a: RecordedSeed | undefined, b: RecordedSeed): boolean {
  return a?.scenario === b.scenario && a.seed === b.seed && a.traceHash === b.traceHash;
}

function badVariant(id: string): never {
  throw new UsageError(`unknown variant: ${id} (see blobsim list)`);
}
