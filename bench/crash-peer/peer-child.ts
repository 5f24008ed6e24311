/**
 * One real process of the crash peer (bench/crash-peer/peer.ts): the real engine (openWriter's
 * fence stamp, restore, WAL shipper and durable database over the model database) against the
 * loopback fake GCS over HTTP, in real time. It speaks JSON lines on stdout, written with
 * writeSync so every line is out before the parent's SIGKILL can land:
 *
 * - `life`: take the database over, send writes (`sent` before each call, `ack`/`fail` after),
 *   report each visit of the pinned commit point (`visit`) and stop dead at the planned one
 *   (`at`: the parent SIGKILLs); `final` lives terminate cleanly and report the writer's rows;
 * - `verify`: restore the current manifest read-only and report its rows and buffer figures.
 *
 * The parent owns the history and the checks, as the clients and the checkers do in the sim.
 */
import { writeSync } from "node:fs";
import { GcsBlobStore } from "../../adapters/gcs/gcs-blob-store.ts";
import { staticTokenProvider } from "../../adapters/gcs/token-provider.ts";
import type { Row } from "../../engine/db/database.ts";
import { modelDatabaseDriver } from "../../engine/db/model/model-database.ts";
import { readManifest } from "../../engine/manifest/cas.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { openWriter } from "../../engine/node/open-writer.ts";
import { restoreDatabase } from "../../engine/restore/restore.ts";
import { realClock, realRandom } from "../../engine/runtime-real.ts";
import type { FaultPoints } from "../../engine/runtime.ts";
import { Rng } from "../../sim/rng.ts";
import { memoryDisk } from "../../sim/local-disk.ts";
import { DATA_DIR, DB_ID, DEFAULT_WAL_CONFIG } from "../../scenarios/wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../../scenarios/wal/workload.ts";
import { type PeerRequest, PEER_BUCKET, PEER_TOKEN, rowsToWire } from "./peer-wire.ts";

function say(message: object): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

const request = JSON.parse(process.argv[2] ?? "{}") as PeerRequest;
const store = new GcsBlobStore({
  bucket: PEER_BUCKET,
  prefix: request.storePrefix,
  baseUrl: request.baseUrl,
  tokenProvider: staticTokenProvider(PEER_TOKEN, "loopback token"),
  clock: realClock,
  random: realRandom,
  requestTimeoutMs: 5_000,
});
const rng = new Rng(`peer:${request.seed}:${request.name}`);
const config = { ...DEFAULT_WAL_CONFIG, commitIntervalMs: request.commitIntervalMs };
const driver = () =>
  modelDatabaseDriver({
    segmentBytes: config.segmentBytes,
    danglingHeaderProbability: config.danglingHeaderProbability,
    random: rng.fork("db"),
  });

async function verify(): Promise<void> {
  const current = await readManifest(store, manifestKey("db"), { clock: realClock });
  if (current === null) return say({ rows: [], peak: 0, bound: 0 });
  const restored = await restoreDatabase({
    store,
    manifest: current.manifest,
    driver: driver(),
    disk: memoryDisk().disk,
    dir: DATA_DIR,
    clock: realClock,
    chunkBytes: config.chunkBytes,
    parallelism: config.parallelism,
  });
  say({
    rows: rowsToWire(await restored.db.readRows()),
    peak: restored.peakBufferedBytes,
    bound: restored.bufferBoundBytes,
  });
}

async function life(): Promise<void> {
  let visits = 0;
  const faults: FaultPoints = {
    hit(point) {
      if (point !== request.killPoint) return undefined;
      visits++;
      say({ visit: point });
      if (visits !== request.killVisit) return undefined;
      say({ at: point });
      return new Promise<void>(() => undefined); // stopped dead here; the parent's SIGKILL lands
    },
  };
  const opened = await openWriter({
    store,
    prefix: "db",
    dbId: DB_ID,
    writerId: request.name,
    clock: realClock,
    faults,
    database: { driver: driver(), disk: memoryDisk().disk, dir: DATA_DIR },
    takeover: { kind: "fence-stamp", attemptsMax: 6 },
    restore: { chunkBytes: config.chunkBytes, parallelism: config.parallelism },
    wal: { compactAtBytes: config.compactAtBytes, commitIntervalMs: config.commitIntervalMs },
    durability: { mode: config.mode },
  });
  say({ opened: opened.fencingToken });
  const workload = new Workload(DEFAULT_WORKLOAD);
  const answers: Array<Promise<void>> = [];
  for (let n = 0; n < request.writes; n++) {
    const id = request.firstWriteId + n;
    const rows: Row[] = request.noop ? [] : workload.makeRows(rng, id);
    say({ sent: id, rows: rowsToWire(rows) }); // before the call: the parent's issue order is the WAL's
    answers.push(
      opened.durable.write(rows).then(
        () => say({ ack: id }),
        () => say({ fail: id }),
      ),
    );
    await realClock.sleepMs(request.writeIntervalMs);
  }
  await Promise.all(answers);
  if (!request.final) return say({ done: true }); // the parent kills it: the supervisor's hard kill
  await opened.durable.terminate();
  say({ rows: rowsToWire(await opened.durable.readRows()) });
}

try {
  await (request.mode === "verify" ? verify() : life());
  if (request.mode === "verify" || request.final) process.exit(0);
} catch (error) {
  say({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  process.exit(1);
}
