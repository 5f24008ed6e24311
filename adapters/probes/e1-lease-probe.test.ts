/**
 * The E1 probe runs the engine's Lease over the GCS adapter and the loopback server: every
 * answer right on a store with real conditional writes, and caught out on a store that ignores
 * ifMatch (a zombie's stale CAS lands, two takers both win).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { type LoopbackStore, startLoopbackStore } from "../gcs/testing/loopback-store.ts";
import { RecordingClock, seededRandom } from "../gcs/testing/test-runtime.ts";
import { e1Passed, formatE1Report, ProbeClock, runE1LeaseProbe } from "./e1-lease-probe.ts";

const open: LoopbackStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((started) => started.close()));
});

async function loopback() {
  const started = await startLoopbackStore({ clock: new RecordingClock(), random: seededRandom("e1") });
  open.push(started);
  return started;
}

const probe = (store: BlobStore, iterations = 3) =>
  runE1LeaseProbe({ store, runPrefix: "e1/", iterations, clock: new ProbeClock(async () => undefined) });

describe("the E1 lease probe", () => {
  it("passes with the engine's Lease over the GCS adapter", async () => {
    const started = await loopback();
    const report = await probe(started.store);
    expect(formatE1Report(report)).toEqual([
      "e1_locked_names_holder=3/3",
      "e1_zombie_stale_cas_rejected=3/3",
      "e1_zombie_commit_fenced=3/3",
      "e1_takeover_race_one_winner=3/3",
      "e1_token_increments_once=3/3",
      "e1_errors=0",
    ]);
    expect(e1Passed(report)).toBe(true);
  });

  it("catches a store whose CAS ignores the generation", async () => {
    const started = await loopback();
    const broken: BlobStore = {
      get: (key, options) => started.store.get(key, options),
      head: (key) => started.store.head(key),
      list: (prefix, options) => started.store.list(prefix, options),
      delete: (key) => started.store.delete(key),
      put: (key, bytes, options) =>
        started.store.put(key, bytes, options?.ifNoneMatch ? { ifNoneMatch: true } : undefined),
    };
    const report = await probe(broken);
    expect(report.zombieStaleCasRejected.passed).toBe(0);
    expect(e1Passed(report)).toBe(false);
  });
});
