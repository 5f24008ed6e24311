/**
 * A simulated process: an instance with its own timers, random stream and clock (optionally
 * skewed). Fault model:
 * - kill: no grace. Timers die, pending calls made through `guard` never settle, kill hooks run
 *   (a later issue's local disk vanishes here). Code already running finishes its current
 *   synchronous step, then hangs at its next guarded await.
 * - pause/resume: a zombie. Nothing of it runs while paused (timers and settlements are held);
 *   on resume everything held fires in its original order, at the resume time.
 */
import type { Clock, Logger } from "../engine/runtime.ts";
import type { Rng } from "./rng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { Trace, TraceFields } from "./trace.ts";

export type ProcessState = "running" | "paused" | "dead";

export interface ProcessOptions {
  /** This process's clock reads this much ahead (+) or behind (-) true simulated time. */
  clockOffsetMs?: number;
}

export class ProcessKilledError extends Error {
  override name = "ProcessKilledError";
}

export class SimProcess implements Logger {
  state: ProcessState = "running";
  readonly clock: Clock;
  private held: Array<() => void> = [];
  private readonly killHooks: Array<() => void> = [];
  private readonly exitHooks: Array<() => void> = [];
  clockOffsetMs: number;

  constructor(
    readonly name: string,
    readonly rng: Rng,
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    readonly epochMs: number,
    options: ProcessOptions = {},
  ) {
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.clock = {
      nowMs: () => this.epochMs + this.scheduler.nowMs + this.clockOffsetMs,
      sleepMs: (ms, signal) => this.sleep(ms, signal),
    };
  }

  get alive(): boolean {
    return this.state !== "dead";
  }

  /** Record an event of this process in the trace. */
  log(kind: string, fields?: TraceFields): void {
    this.trace.record(this.scheduler.nowMs, this.name, kind, fields);
  }

  /** Run `fire` after `delayMs` of simulated time, unless the process dies first. */
  setTimer(delayMs: number, kind: string, fire: () => void, fields?: TraceFields): () => void {
    if (!this.alive) return () => undefined;
    // Owned by this process: once it dies the scheduler drops the event unfired.
    const event = this.scheduler.after(delayMs, this.name, kind, () => this.deliver(fire), fields, this);
    return () => {
      event.cancelled = true;
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cancel = this.setTimer(ms, "sleep", resolve);
      signal?.addEventListener(
        "abort",
        () => {
          cancel();
          this.deliver(() => reject(signal.reason));
        },
        { once: true },
      );
    });
  }

  /**
   * The promise settles as `work` does, but only while this process lives: a call pending when
   * the process dies never returns to it. While paused, the settlement waits for resume.
   */
  guard<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      work.then(
        (value) => this.deliver(() => resolve(value)),
        (error: unknown) => this.deliver(() => reject(error)),
      );
    });
  }

  /**
   * Start the process's main body. Its end (or crash) is recorded in the trace. A body that
   * rejects is the caller's to handle (`.catch`, `await`); when the caller only `void`s the
   * promise, the rejection is a crash of the seed (the scheduler stops the run), never an
   * unhandled rejection that would kill the whole harness.
   */
  start(body: (process: SimProcess) => Promise<void>): Promise<void> {
    this.log("proc.start");
    const ended = this.guard(
      body(this).then(
        () => {
          this.log("proc.exit");
          this.exited();
        },
        (error: unknown) => {
          this.exited();
          if (!this.alive) return;
          this.log("proc.crash", {
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
          throw error;
        },
      ),
    );
    return this.crashUnlessHandled(ended);
  }

  /**
   * Watches whether anyone asks for `ended`'s rejection (then with a rejection handler: what
   * `await`, `.catch` and `.then(f, g)` do). The callers attach synchronously after `start`, and
   * the rejection settles at the earliest a microtask later, so the check is deterministic.
   */
  private crashUnlessHandled(ended: Promise<void>): Promise<void> {
    let handled = false;
    const then = ended.then.bind(ended);
    ended.then = ((onFulfilled, onRejected) => {
      if (typeof onRejected === "function") handled = true;
      return then(onFulfilled, onRejected);
    }) as typeof ended.then;
    then(undefined, (error: unknown) => {
      if (!handled) this.scheduler.crash(`process ${this.name}`, error);
    });
    return ended;
  }

  /**
   * Runs `hook` when the main body ends (returns or throws): what a real process's exit does to
   * the timers it left armed (a virtual process's heartbeat, sim/virtualize.ts).
   */
  onExit(hook: () => void): void {
    this.exitHooks.push(hook);
  }

  private exited(): void {
    for (const hook of this.exitHooks.splice(0)) hook();
  }

  onKill(hook: () => void): void {
    this.killHooks.push(hook);
  }

  kill(reason = "kill"): void {
    if (!this.alive) return;
    this.state = "dead";
    this.log("proc.kill", { reason });
    this.held = [];
    for (const hook of this.killHooks) hook();
  }

  pause(): void {
    if (this.state !== "running") return;
    this.state = "paused";
    this.log("proc.pause");
  }

  resume(): void {
    if (this.state !== "paused") return;
    this.state = "running";
    this.log("proc.resume");
    const held = this.held;
    this.held = [];
    for (const fire of held) fire();
  }

  private deliver(fire: () => void): void {
    if (this.state === "dead") return;
    if (this.state === "paused") this.held.push(fire);
    else fire();
  }
}
