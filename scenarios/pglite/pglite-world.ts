/**
 * PGlite inside the simulated world. Real Postgres (WASM) is deterministic once three things
 * are served by the simulation (verified: same seed ⇒ byte-identical data directories and trace
 * hashes, in this process and in a worker):
 *
 * - time: `Date`, `Date.now`, `performance.now` read by PGlite (WAL commit timestamps, file
 *   times) get simulated time, and randomness (`crypto.getRandomValues`, node's
 *   `randomFillSync` behind /dev/urandom) the seed's stream, through the sanitizer's
 *   virtualization (sim/sanitizer.ts), also in runs that are not sanitized;
 * - alarms: PGlite's setitimer alarms (a 10 s pgstat idle flush) never fire inside a run;
 * - start-up: PGlite.create needs real event-loop turns (wasm instantiation, dynamic imports),
 *   so it runs under `scheduler.hold`: no simulated event fires until it is done, and the start
 *   takes no simulated time, whatever its wall time.
 *
 * Queries themselves resolve through microtasks only.
 */
import type { DatabaseDriver } from "../../engine/db/database.ts";
import { pgliteDatabaseDriver } from "../../engine/db/pglite/pglite-database.ts";
import { emptyDataDir } from "./empty-datadir.ts";
import { DEFAULT_ALLOWED_CALLERS, runVirtualized } from "../../sim/sanitizer.ts";
import type { World } from "../../sim/world.ts";
import type { Seams } from "../seams.ts";

/** The PGlite driver of one world: starts from the prebuilt empty data dir, holds the clock at start-up. */
export function pgliteDriverFor(world: World, seams: Seams): DatabaseDriver {
  return pgliteDatabaseDriver({
    emptyDataDir: emptyDataDir(),
    startup: (work) => world.scheduler.hold(work()),
    seams: seams.pglite ?? {},
  });
}

/** Runs `body` with PGlite served simulated time and seeded randomness. */
export function withPgliteVirtualized<T>(world: World, body: () => Promise<T>): Promise<T> {
  // The same stream name as the sanitized harness run, so both modes serve the same values.
  const stream = world.rng.fork("sanitizer");
  return runVirtualized(
    { nowMs: () => world.epochMs + world.nowMs, random: () => stream.next(), allow: DEFAULT_ALLOWED_CALLERS },
    body,
  );
}
