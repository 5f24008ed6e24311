/**
 * The determinism sanitizer. While a simulated run is active (tracked per async context, so
 * vitest's or the CLI's own timers are unaffected), direct use of the wall clock, real timers or
 * real randomness fails the run with the offending stack. Third-party code that reads time only
 * for metadata (memfs file timestamps, for instance) can be allowed by stack pattern: it is then
 * served simulated time and seeded randomness, so it stays deterministic.
 *
 * Free when off: nothing is patched until `installSanitizer()` is called, and AsyncLocalStorage
 * is only entered for runs that ask for it.
 */
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import * as nodeCrypto from "node:crypto";
import { createRequire, syncBuiltinESMExports } from "node:module";

export interface SanitizedRun {
  /** Simulated wall time (epoch ms) served to allowed callers. */
  nowMs(): number;
  /** Seeded randomness served to allowed callers. */
  random(): number;
  /** Called once per offending use, with the API name and stack. */
  onViolation(api: string, stack: string): void;
  /** Stack substrings of callers that are served simulated values instead of failing. */
  allow: readonly string[];
  /** false: virtualize only — allowed callers get simulated values, others real ones, no failure. */
  strict?: boolean;
  /**
   * A virtual process (sim/virtualize.ts): EVERY caller in the run is served simulated time and
   * randomness (no stack check), and its setTimeout/setInterval/setImmediate are armed here,
   * on the scheduler, instead of the real event loop.
   */
  timers?: VirtualTimers;
}

/** Where a virtual process's timers go: `arm` schedules `fire` after `delayMs` and returns a cancel. */
export interface VirtualTimers {
  arm(kind: "setTimeout" | "setInterval" | "setImmediate", delayMs: number, fire: () => void): () => void;
}

/**
 * What a virtual process's setTimeout/setInterval/setImmediate return: cancelable by the matching
 * clear function, and shaped enough like Node's Timeout (ref/unref/hasRef/refresh) for code that
 * calls those.
 */
export class VirtualTimer {
  private cancel: () => void = () => undefined;
  private stopped = false;

  constructor(
    private readonly timers: VirtualTimers,
    private readonly kind: "setTimeout" | "setInterval" | "setImmediate",
    private readonly delayMs: number,
    private readonly fire: () => void,
  ) {
    this.arm();
  }

  private arm(): void {
    this.cancel = this.timers.arm(this.kind, this.delayMs, () => {
      if (this.stopped) return;
      if (this.kind === "setInterval") this.arm();
      else this.stopped = true;
      this.fire();
    });
  }

  clear(): void {
    this.stopped = true;
    this.cancel();
  }

  refresh(): this {
    this.cancel();
    this.stopped = false;
    this.arm();
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  hasRef(): boolean {
    return true;
  }

  [Symbol.toPrimitive](): number {
    return 0;
  }
}

/** Node's delay rule: below 1 ms, NaN or absent means 1 ms; above 2^31-1 ms, also 1 ms. */
function timerDelayMs(value: unknown): number {
  const delay = Number(value);
  return delay >= 1 && delay <= 2 ** 31 - 1 ? Math.floor(delay) : 1;
}

export class DeterminismError extends Error {
  override name = "DeterminismError";
}

const storage = new AsyncLocalStorage<SanitizedRun>();
let installed = false;

/** PGlite (Postgres in wasm) stamps WAL records and files with the time: it gets simulated time. */
export const PGLITE_CALLER = "node_modules/@electric-sql/pglite/";

/** Third-party code that reads the clock for metadata only; served simulated time. */
export const DEFAULT_ALLOWED_CALLERS: readonly string[] = [
  "node_modules/memfs/",
  // memfs 4.5x+ keeps its file nodes (with timestamps) in @jsonjoy.com/fs-core.
  "node_modules/@jsonjoy.com/fs-",
  PGLITE_CALLER,
];

export function runSanitized<T>(run: SanitizedRun, body: () => Promise<T>): Promise<T> {
  installSanitizer();
  return storage.run(run, body);
}

/**
 * Serves simulated time and randomness to the allowed callers (PGlite) during `body` even when
 * the run is not sanitized, so their output (WAL timestamps, data files) depends on the seed only.
 * Inside a sanitized run the outer, strict run already does this and stays in charge.
 */
export function runVirtualized<T>(
  run: Omit<SanitizedRun, "strict" | "onViolation">,
  body: () => Promise<T>,
): Promise<T> {
  if (storage.getStore() !== undefined) return body();
  return runSanitized({ ...run, strict: false, onViolation: () => undefined }, body);
}

/**
 * The file names on the caller's stack, from V8's structured call sites: no string formatting
 * and no source-map lookups (PGlite reads the clock thousands of times per query; formatted
 * stacks made that the hottest path of a PGlite run).
 */
function callerFiles(): string[] {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = 8; // allowed callers read the clock within a few frames
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerFiles);
    const sites = holder.stack as NodeJS.CallSite[] | undefined;
    return (sites ?? []).map((site) => site.getFileName() ?? "");
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}

/** How many trusted sections are open (they are synchronous, so nothing else runs meanwhile). */
let trustedDepth = 0;

/**
 * Runs `body` as a trusted section: a clock or random read inside it is served the run's
 * simulated values with no stack check. For the simulation's own synchronous calls into an
 * allowed library (memfs stamping file times on every local-disk call): the stack capture is the
 * sanitizer's main cost, and here the caller is known without it. Whatever `body` starts
 * asynchronously runs after the section has closed and is checked as usual.
 */
export function trustedSection<T>(body: () => T): T {
  trustedDepth++;
  try {
    return body();
  } finally {
    trustedDepth--;
  }
}

/** Returns the active run if the caller is inside one and not allowed; throws for offenders. */
function check(api: string): SanitizedRun | undefined {
  const run = storage.getStore();
  if (run === undefined) return undefined;
  if (trustedDepth > 0 || run.timers) return run;
  const files = callerFiles();
  if (run.allow.some((pattern) => files.some((file) => file.includes(pattern)))) return run;
  if (run.strict === false) return undefined;
  const stack = new Error().stack ?? "";
  const trimmed = stack.split("\n").slice(3).join("\n");
  run.onViolation(api, trimmed);
  throw new DeterminismError(
    `${api} called inside a simulated run; use the injected clock/random:\n${trimmed}`,
  );
}

/** What an allowed caller's setTimeout returns inside a run: clearTimeout ignores it. */
const PARKED_TIMER = Object.freeze({ parked: true });

export function installSanitizer(): void {
  if (installed) return;
  installed = true;
  const RealDate = Date;
  const realNow = Date.now;
  const realRandom = Math.random;
  const realPerformanceNow = performance.now.bind(performance);

  Math.random = () => check("Math.random")?.random() ?? realRandom();

  class SanitizedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) {
        const run = check("new Date()");
        if (run) {
          super(run.nowMs());
          return;
        }
      }
      // biome-ignore lint/suspicious/noExplicitAny: forwarding Date's overloaded constructor
      super(...(args as [any]));
    }
    static override now(): number {
      return check("Date.now")?.nowMs() ?? realNow();
    }
  }
  globalThis.Date = SanitizedDate as DateConstructor;

  performance.now = () => {
    const run = check("performance.now");
    return run ? run.nowMs() : realPerformanceNow();
  };

  for (const name of ["setTimeout", "setInterval", "setImmediate"] as const) {
    const real = globalThis[name] as (...args: unknown[]) => unknown;
    // biome-ignore lint/suspicious/noExplicitAny: patched globals keep their signatures
    (globalThis as any)[name] = function sanitizedTimer(this: unknown, ...args: unknown[]) {
      const timers = storage.getStore()?.timers;
      if (timers && typeof args[0] === "function") {
        // A virtual process: the callback keeps the process's async context (so what it arms
        // is virtual too) and fires when the scheduler reaches it.
        const callback = args[0] as (...callbackArgs: unknown[]) => void;
        const extra = name === "setImmediate" ? args.slice(1) : args.slice(2);
        const fire = AsyncResource.bind(() => callback(...extra));
        return new VirtualTimer(timers, name, name === "setImmediate" ? 0 : timerDelayMs(args[1]), fire);
      }
      // Allowed callers' alarms never fire during a run (PGlite arms a 10 s pgstat idle-flush
      // alarm through emscripten's setitimer): deterministic, as if wall time stood still.
      if (check(name)) {
        if (name === "setImmediate")
          throw new DeterminismError(`${name} is never allowed inside a simulated run`);
        return PARKED_TIMER;
      }
      return real.apply(this, args);
    };
  }

  for (const name of ["clearTimeout", "clearInterval", "clearImmediate"] as const) {
    const real = globalThis[name] as (handle: unknown) => void;
    // biome-ignore lint/suspicious/noExplicitAny: patched globals keep their signatures
    (globalThis as any)[name] = function sanitizedClear(this: unknown, handle: unknown) {
      if (handle instanceof VirtualTimer) return handle.clear();
      return real.call(this, handle);
    };
  }

  // PGlite's emscripten runtime fills /dev/urandom through node:crypto's randomFillSync.
  const cjsCrypto = createRequire(import.meta.url)("node:crypto") as typeof nodeCrypto;
  const realRandomFillSync = cjsCrypto.randomFillSync;
  cjsCrypto.randomFillSync = ((buffer: ArrayBufferView, offset?: number, size?: number) => {
    const run = check("crypto.randomFillSync");
    if (!run) return realRandomFillSync(buffer as Uint8Array, offset, size);
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const start = offset ?? 0;
    const end = size === undefined ? bytes.length : start + size;
    for (let i = start; i < end; i++) bytes[i] = Math.floor(run.random() * 256);
    return buffer;
  }) as typeof cjsCrypto.randomFillSync;
  syncBuiltinESMExports(); // ESM importers of node:crypto see the patched function too

  const realRandomUUID = nodeCrypto.randomUUID;
  const realGetRandomValues = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  globalThis.crypto.randomUUID = () => {
    const run = check("crypto.randomUUID");
    if (run?.timers) return seededUuid(run);
    return realRandomUUID();
  };
  globalThis.crypto.getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    const run = check("crypto.getRandomValues");
    if (run && array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(run.random() * 256);
      return array;
    }
    return realGetRandomValues(array as never) as T;
  };
}

/** A version-4 UUID from the run's seeded randomness (a virtual process's randomUUID). */
function seededUuid(run: SanitizedRun): `${string}-${string}-${string}-${string}-${string}` {
  const bytes = Array.from({ length: 16 }, () => Math.floor(run.random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Runs `body` as a virtual process (see SanitizedRun.timers). Inside a strict run too: the virtual
 * process is its own, deterministic world, and the strict run is in charge again outside it.
 */
export function runWithVirtualTimers<T>(
  run: Omit<SanitizedRun, "strict" | "allow" | "onViolation">,
  body: () => T,
): T {
  installSanitizer();
  return storage.run({ ...run, allow: [], strict: false, onViolation: () => undefined }, body);
}
