/**
 * `blobsim init`: a starter for a team's own engine in the current folder — a config, one
 * binding skeleton and one scenario test. The skeleton delegates every call to blobsim's own
 * engine, so the starter runs green before its first edit; the team replaces one method at a
 * time with its engine's, rerunning the test after each. Nothing is overwritten: if any of the
 * three files exists, nothing is written and the command exits 2.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../harness/seeds.ts";
import { type Options, parse, str } from "./args.ts";
import { checkOutputFolder, writeOutputFile } from "./output-files.ts";

export const initHelp = `blobsim init [--dir DIR]
Writes a starter for your own engine into the current folder (or DIR): blobsim.config.ts,
my-binding.ts (a binding skeleton that delegates to blobsim's own engine until you replace its
methods with yours) and blobsim.scenario.test.ts (runs lease.zombie on the config; node --import
tsx --test blobsim.scenario.test.ts). Refuses to overwrite any of them (exit 2, nothing written).
docs/your-engine.md explains the interfaces and what each checker assumes.`;

export const initFlags: Options = {
  dir: {
    type: "string",
    value: "DIR",
    description: "write the starter here, created if missing (default: the current folder)",
  },
};

const config = `/**
 * blobsim on your engine: \`npx blobsim run --config blobsim.config.ts\` runs every lease.*
 * scenario on the binding below; \`npx blobsim hunt --config blobsim.config.ts --variant MINE-1\`
 * would search for a seed that catches a variant you add to \`variants\`.
 */
import { defineConfig } from "blobsim";
import { myBinding } from "./my-binding.js"; // tsc and tsx both resolve .js to the .ts file

export default defineConfig({
  bindings: { mine: myBinding() },
  include: ["lease.*"],
  // Your own bugs, each a binding at a buggy commit:
  // variants: [bindingVariant({ id: "MINE-1", title: "…", scenarios: ["lease.zombie"],
  //                             invariant: "single-writer", binding: myBinding(/* buggy */) })],
});
`;

const binding = `/**
 * Your engine as blobsim's scenarios and checkers see it (docs/your-engine.md). This skeleton
 * delegates to blobsim's own engine so it passes before you change anything: replace each
 * method with your engine's call, the keys and decoders with your record formats, and rerun
 * blobsim.scenario.test.ts after each step.
 */
import {
  type AcquiredRole,
  blobsimBinding,
  type CommitAck,
  type EngineBinding,
  type FaultPoints,
  type WriterContext,
  type WriterRole,
} from "blobsim";

const reference = blobsimBinding();

/** One process life's claim on the database. */
class MyWriter implements WriterRole {
  // TODO: your engine's writer (reach the store only through context.store, time through
  // context.clock; call context.events.acquired(...) when you hold the lease).
  readonly #inner: WriterRole;

  constructor(context: WriterContext) {
    this.#inner = reference.openWriter(context);
  }
  get holder(): string {
    return this.#inner.holder;
  }
  /** The token of the lease held; throws FencedError when not held. */
  get fencingToken(): number {
    return this.#inner.fencingToken;
  }
  /** Wait out a live holder (LockedError after acquireTimeoutMs), take the lease, adopt the manifest. */
  acquire(early?: unknown): Promise<AcquiredRole> {
    return this.#inner.acquire(early);
  }
  /** Extend the lease; FencedError when it was lost. */
  renew(): Promise<void> {
    return this.#inner.renew();
  }
  /** Give the lease up (idempotent). */
  release(): Promise<void> {
    return this.#inner.release();
  }
  /** Make one data object durable in the manifest, fenced by the lease; hit faults "lease.before-commit-cas". */
  commit(base: unknown, sizeBytes: number, faults?: FaultPoints): Promise<CommitAck> {
    return this.#inner.commit(base, sizeBytes, faults);
  }
  /** Stop background work (heartbeats) without releasing. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}

export function myBinding(): EngineBinding {
  return {
    name: "my-engine",
    // Set when your engine sleeps on real setTimeout/setInterval or reads Date.now():
    // realTimers: true,
    // TODO: the two objects your engine keeps its lease and manifest in.
    keys: (prefix) => reference.keys(prefix),
    openWriter: (context) => new MyWriter(context),
    // TODO: what a successor reads before waiting for the lease (null if your engine has no such step).
    readEarly: (context) => reference.readEarly(context),
    // TODO: your record formats, decoded to what the checkers read; throw on bytes you cannot read.
    decodeLease: (bytes, key) => reference.decodeLease(bytes, key),
    decodeManifest: (bytes, key) => reference.decodeManifest(bytes, key),
  };
}
`;

const scenarioTest = `/**
 * One blobsim scenario on your binding: \`node --import tsx --test blobsim.scenario.test.ts\`.
 * lease.zombie pauses a writer just before its manifest write while a successor takes over; the
 * single-writer and acked-durability checkers judge the store's history through your decoders.
 * A failure prints the seed and the command that replays it.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const cli = join(dirname(fileURLToPath(import.meta.resolve("blobsim/package.json"))), "bin/blobsim.js");
const here = dirname(fileURLToPath(import.meta.url));

test("lease.zombie passes on my engine", async () => {
  // A run that finds a violation exits 1; execFile rejects with its output.
  await promisify(execFile)(
    process.execPath,
    [cli, "run", "lease.zombie", "--seeds", "5", "--config", join(here, "blobsim.config.ts")],
    { cwd: here },
  );
});
`;

/** The starter's files, by name. */
export const starterFiles: Readonly<Record<string, string>> = {
  "blobsim.config.ts": config,
  "my-binding.ts": binding,
  "blobsim.scenario.test.ts": scenarioTest,
};

export async function initCommand(args: string[]): Promise<number> {
  const parsed = parse(args, initFlags, false);
  const dir = resolve(checkOutputFolder("--dir", str(parsed, "dir") ?? process.cwd()));
  const present = Object.keys(starterFiles).filter((name) => existsSync(join(dir, name)));
  if (present.length > 0)
    throw new UsageError(`init: ${present.join(", ")} already in ${dir}; nothing written`);
  // Checked above for all three before any is written, so a refusal leaves the folder as it was.
  for (const [name, text] of Object.entries(starterFiles)) {
    writeOutputFile(join(dir, name), text);
    console.log(`wrote ${join(dir, name)}`);
  }
  console.log("next: npx blobsim run --config blobsim.config.ts");
  return 0;
}
