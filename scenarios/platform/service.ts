/**
 * One database service on the simulated platform, with its clients and its oracle: what every
 * platform scenario builds. Clients send keyed-row writes (scenarios/wal/workload.ts's rows,
 * each value carrying its own md5) and reads through the platform's router and record each
 * write's outcome. The closing check shuts every instance down gracefully, restores the
 * manifest in a fresh process and judges the restored rows against the history with the
 * durability checkers (invariants/durability.ts), plus the single-writer checker
 * (invariants/single-writer.ts) and the relaxed-mode loss bound (invariants/platform-loss.ts).
 */
import { leaseKey } from "../../engine/lease/lease-record.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { checkRestoredRows, type WriteRecord } from "../../invariants/durability.ts";
import { violateDurability } from "../../invariants/durability-evidence.ts";
import { checkRelaxedLossBound, judgedHistory } from "../../invariants/platform-loss.ts";
import { checkSingleWriter } from "../../invariants/single-writer.ts";
import { SingleWriterTap } from "../../invariants/single-writer-tap.ts";
import { type BlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { Platform, type PlatformOptions } from "../../sim/platform.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { ScenarioContext } from "../scenario.ts";
import { restoreView, type RestoredView } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import { type AppConfig, type AppRequest, DbApp } from "./app.ts";

/** A request without an answer after this long is "unknown" (covers a full lease wait + boot). */
export const ANSWER_TIMEOUT_MS = 150_000;

export class PlatformService {
  readonly world: World;
  readonly store: SimBlobStore;
  readonly tap: SingleWriterTap;
  readonly app: DbApp;
  readonly platform: Platform<AppRequest, string>;
  readonly workload: Workload;
  readonly clients: SimProcess;
  readonly writes: WriteRecord[];

  constructor(
    readonly context: ScenarioContext,
    storeOptions: Partial<BlobStoreOptions>,
    platformOptions: Partial<PlatformOptions>,
    appConfig: Partial<AppConfig> = {},
    name = "svc",
    shared?: PlatformService,
    store?: SimBlobStore,
  ) {
    this.world = context.world;
    this.store = shared?.store ?? store ?? new SimBlobStore(this.world, storeOptions);
    const prefix = appConfig.prefix ?? "db";
    this.tap =
      shared?.tap ?? new SingleWriterTap(this.world, this.store, leaseKey(prefix), manifestKey(prefix));
    this.app = new DbApp(this.store, context.seams, this.tap, appConfig);
    if (shared) this.app.issues = shared.app.issues;
    this.platform = new Platform(this.world, this.app, platformOptions, name);
    this.workload =
      shared?.workload ?? new Workload({ ...DEFAULT_WORKLOAD, answerTimeoutMs: ANSWER_TIMEOUT_MS });
    this.writes = this.workload.writes;
    this.clients = shared?.clients ?? this.world.spawn(name === "svc" ? "clients" : `clients.${name}`);
  }

  /** Sends one write through the router; records acked / failed / unknown. */
  async write(): Promise<WriteRecord> {
    const writeId = this.writes.length + 1;
    const record: WriteRecord = {
      id: writeId,
      issue: Number.MAX_SAFE_INTEGER,
      rows: this.workload.makeRows(this.clients.rng, writeId),
      status: "attempted",
      life: 0,
    };
    this.writes.push(record);
    record.status = await this.answer(this.platform.request({ kind: "write", record }));
    this.clients.log(`write.${record.status}`, { id: record.id });
    return record;
  }

  async read(): Promise<string> {
    return this.answer(this.platform.request({ kind: "read" }));
  }

  /** A probe's request (a read, or a forced restart); its outcome. */
  async probe(kind: "read" | "restart"): Promise<string> {
    return this.answer(this.platform.request({ kind }));
  }

  /** The request's outcome: acked, failed (an error answer) or unknown (no answer in time). */
  private async answer(request: Promise<unknown>): Promise<"acked" | "failed" | "unknown"> {
    const answer = request.then(
      () => "acked" as const,
      () => "failed" as const,
    );
    const cancel = new AbortController();
    const timeout = this.clients.sleep(ANSWER_TIMEOUT_MS, cancel.signal).then(
      () => "unknown" as const,
      () => "unknown" as const,
    );
    const outcome = await Promise.race([answer, timeout]);
    cancel.abort();
    return outcome;
  }

  /** SIGTERM every live instance and wait (simulated) until they are gone. */
  async shutdown(driver: SimProcess): Promise<void> {
    for (const instance of this.platform.live()) this.platform.terminate(instance, "end of scenario");
    while (this.platform.live().length > 0) await driver.sleep(1_000);
  }

  /** Restores the current manifest in a fresh process and judges it; returns the view. */
  async verify(name: string): Promise<RestoredView | null> {
    // Writes answered before the restore starts keep their answer; any other write, in flight
    // now or sent while the restore reads (traffic goes on), may or may not be in the manifest
    // it reads. The history is taken when the restore is done, so those writes are in it.
    const answeredBefore = new Map<number, WriteRecord["status"]>();
    for (const write of this.writes)
      if (write.status === "acked" || write.status === "failed") answeredBefore.set(write.id, write.status);
    const verifier = this.world.spawn(name);
    let view: RestoredView;
    try {
      view = await restoreView(
        verifier,
        this.store.client(verifier),
        this.app.config.wal,
        this.context.seams,
      );
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.world.violate("restore-integrity", `${name}: restore failed: ${message}`);
      verifier.kill("verified");
      return null;
    }
    verifier.kill("verified");
    const asOfRestore = this.writes.map((write) => ({
      ...write,
      status: answeredBefore.get(write.id) ?? ("unknown" as const),
    }));
    const history = judgedHistory(asOfRestore, this.app, this.killedInstances());
    const problems = checkRestoredRows(history, view.rows);
    for (const problem of problems.slice(0, 3))
      violateDurability(this.world, problem, `${name}: ${problem.message}`);
    this.world.log("platform", "verify", {
      name,
      rows: view.rows.length,
      commitSeq: view.commitSeq,
      problems: problems.length,
    });
    return view;
  }

  /** The closing checks: loss bound, restore against the history, single writer. */
  async closingChecks(driver: SimProcess): Promise<void> {
    await this.shutdown(driver);
    checkRelaxedLossBound(this.world, this.app);
    await this.verify("verify.final");
    checkSingleWriter(this.world, this.tap);
  }

  /** Instances that died without completing their SIGTERM handler. */
  killedInstances(): Set<string> {
    const killed = new Set<string>();
    for (const instance of this.platform.instances)
      if (instance.state === "dead" && !this.app.graceful.has(instance.name)) killed.add(instance.name);
    return killed;
  }

  counts(): Record<string, number> {
    return this.workload.counts();
  }
}
