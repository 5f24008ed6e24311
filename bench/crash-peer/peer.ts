/**
 * The real-process peer of wal.e2b-kill-points: what the source's E2b did, on this machine. Per
 * kill schedule, writer lives run as child Node processes (peer-child.ts: the real engine over
 * the loopback fake GCS); the pinned commit point (schedule mod 5, on a seeded visit counted
 * over every life) stops a writer dead and the parent SIGKILLs it, a life that ends without it
 * is SIGKILLed too (the supervisor's hard kill); after every life a new process restores the
 * manifest and the parent checks the rows against every acked write — the checks of the sim
 * scenario (invariants/durability.ts), the buffer bound, the pinned kill having fired, and the
 * closing checks (a clean last life, two restores byte-identical with each other and with the
 * writer, a read-only life of no-op writes uploading no data object).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { FakeGcsServer } from "../../adapters/gcs/testing/fake-gcs-server.ts";
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import { checkRestoredRows, firstDifference, type WriteRecord } from "../../invariants/durability.ts";
import { Rng } from "../../sim/rng.ts";
import { type PeerRequest, PEER_BUCKET, PEER_TOKEN, rowsFromWire, type WireRow } from "./peer-wire.ts";

const CHILD_SOURCE = fileURLToPath(new URL("./peer-child.ts", import.meta.url));
/** As wal.e2b-kill-points: two lives at least, up to eight until the pinned kill fires. */
const LIVES = 2;
const LIVES_MAX = 8;
const WRITES_PER_LIFE = 20;
const FINAL_WRITES = 6;
/** Real time is the peer's cost: commits and writes as close together as the engine allows. */
const COMMIT_INTERVAL_MS = 20;
const WRITE_INTERVAL_MS = 5;
/** A child that says nothing for this long is a hung schedule, not a slow one. */
const CHILD_SILENCE_MS = 30_000;

export class CrashPeerError extends Error {
  override name = "CrashPeerError";
}

interface ChildMessage {
  visit?: string;
  at?: string;
  opened?: number;
  sent?: number;
  rows?: WireRow[];
  ack?: number;
  fail?: number;
  done?: true;
  peak?: number;
  bound?: number;
  error?: string;
}

export interface ScheduleResult {
  point: string;
  visit: number;
  lives: number;
  processes: number;
  problems: string[];
}

/**
 * The child compiled once into one plain JavaScript file, as a deployed engine would be: each
 * process then pays node's start-up, not a TypeScript transform of the whole engine.
 */
async function bundleChild(): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "blobsim-crash-peer-"));
  const file = join(dir, "peer-child.mjs");
  await build({
    entryPoints: [CHILD_SOURCE],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // memfs and friends are CommonJS: give the bundle a require for their node: built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return { file, dir };
}

/** Run one child; `onMessage` may ask for a SIGKILL by returning "kill". Resolves at its exit. */
function runChild(
  childFile: string,
  request: PeerRequest,
  onMessage: (message: ChildMessage) => "kill" | void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [childFile, JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let silence = setTimeout(() => child.kill("SIGKILL"), CHILD_SILENCE_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      clearTimeout(silence);
      silence = setTimeout(() => child.kill("SIGKILL"), CHILD_SILENCE_MS);
      if (onMessage(JSON.parse(line) as ChildMessage) === "kill") child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", () => {
      clearTimeout(silence);
      resolve();
    });
  });
}

export class CrashPeer {
  private constructor(
    private readonly server: FakeGcsServer,
    private readonly child: { file: string; dir: string },
  ) {}

  /** Bundles the child and starts the fake GCS; neither is part of a schedule's time. */
  static async start(): Promise<CrashPeer> {
    const child = await bundleChild();
    return new CrashPeer(
      await FakeGcsServer.start({ buckets: [PEER_BUCKET], validTokens: [PEER_TOKEN] }),
      child,
    );
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(this.child.dir, { recursive: true, force: true });
  }

  /** One kill schedule, as seed `index` of wal.e2b-kill-points pins it. */
  async runSchedule(index: number): Promise<ScheduleResult> {
    const point = COMMIT_KILL_POINTS[index % COMMIT_KILL_POINTS.length]!;
    const visit = 1 + new Rng(`peer-pin:${index}`).int(0, 3);
    const storePrefix = `schedule-${index}`;
    const writes: WriteRecord[] = [];
    const byId = new Map<number, WriteRecord>();
    const problems: string[] = [];
    let visits = 0;
    let fired = false;
    let processes = 0;
    let issue = 0;
    const base = {
      baseUrl: this.server.baseUrl,
      storePrefix,
      seed: index,
      commitIntervalMs: COMMIT_INTERVAL_MS,
      writeIntervalMs: WRITE_INTERVAL_MS,
    };
    const track = (message: ChildMessage, life: number) => {
      if (message.sent !== undefined) {
        const record: WriteRecord = {
          id: message.sent,
          issue: issue++,
          rows: rowsFromWire(message.rows ?? []),
          status: "attempted",
          life,
        };
        writes.push(record);
        byId.set(record.id, record);
      }
      if (message.ack !== undefined) byId.get(message.ack)!.status = "acked";
      if (message.fail !== undefined) byId.get(message.fail)!.status = "failed";
    };
    const life = async (life: number, name: string, extra: Partial<PeerRequest>) => {
      processes++;
      let rows: WireRow[] | null = null;
      await runChild(
        this.child.file,
        {
          ...base,
          mode: "life",
          name,
          killPoint: fired ? null : point,
          killVisit: visit - visits,
          writes: WRITES_PER_LIFE,
          firstWriteId: writes.length + 1,
          noop: false,
          final: false,
          ...extra,
        },
        (message) => {
          track(message, life);
          if (message.visit !== undefined) visits++;
          if (message.at !== undefined) fired = true;
          if (message.rows !== undefined && message.sent === undefined) rows = message.rows;
          if (message.error !== undefined) problems.push(`${name}: ${message.error}`);
          return message.at !== undefined || message.done ? "kill" : undefined;
        },
      );
      for (const write of writes) if (write.status === "attempted") write.status = "unknown";
      return rows as WireRow[] | null;
    };
    const verify = async (name: string) => {
      processes++;
      let view: ChildMessage | null = null;
      await runChild(
        this.child.file,
        {
          ...base,
          mode: "verify",
          name,
          killPoint: null,
          killVisit: 0,
          writes: 0,
          firstWriteId: 0,
          noop: false,
          final: false,
        },
        (message) => {
          if (message.error !== undefined) problems.push(`${name}: restore failed: ${message.error}`);
          else view = message;
        },
      );
      const got = view as ChildMessage | null;
      if (got === null) return null;
      const rows = rowsFromWire(got.rows ?? []);
      for (const problem of checkRestoredRows(writes, rows).slice(0, 3))
        problems.push(`${name}: ${problem.invariant}: ${problem.message}`);
      if ((got.peak ?? 0) > (got.bound ?? 0))
        problems.push(`${name}: restore-buffer-bound: peak ${got.peak} over ${got.bound}`);
      return rows;
    };

    let lives = 0;
    for (let n = 0; n < LIVES_MAX; n++) {
      if (n >= LIVES && fired) break;
      await life(n, `writer.${n}`, {});
      lives++;
      await verify(`verify.${n}`);
      if (problems.length > 0) return { point, visit, lives, processes, problems };
    }
    if (!fired) problems.push(`kill-point-unreached: pinned kill at ${point} visit ${visit} never fired`);
    else await this.closingChecks(lives, life, verify, problems);
    return { point, visit, lives, processes, problems };
  }

  private async closingChecks(
    lives: number,
    life: (life: number, name: string, extra: Partial<PeerRequest>) => Promise<WireRow[] | null>,
    verify: (name: string) => Promise<ReturnType<typeof rowsFromWire> | null>,
    problems: string[],
  ): Promise<void> {
    const writerRows = await life(lives, `writer.${lives}.final`, { writes: FINAL_WRITES, final: true });
    const first = await verify(`verify.${lives}.final.a`);
    const second = await verify(`verify.${lives}.final.b`);
    if (writerRows === null) problems.push("final life: the writer did not terminate cleanly");
    else if (first && second) {
      const again = firstDifference(first, second);
      const writer = firstDifference(rowsFromWire(writerRows), first);
      if (again) problems.push(`byte-identical-reopen: two restores differ: ${again}`);
      if (writer) problems.push(`byte-identical-reopen: restore differs from the writer: ${writer}`);
    }
    const dataPuts = () =>
      this.server.requests.filter((r) => r.op === "insert" && r.name?.includes("/data/")).length;
    const before = dataPuts();
    await life(lives + 1, `writer.${lives}.readonly`, { writes: 3, noop: true, final: true });
    const uploaded = dataPuts() - before;
    if (uploaded > 0) problems.push(`noop-commit-uploads: ${uploaded} data objects`);
  }
}
