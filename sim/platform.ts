/**
 * A serverless container platform in the manner of Cloud Run, as seen by one service: it starts
 * instances of the current revision on demand, routes requests to them, throttles their CPU
 * between requests, shuts them down when idle, and replaces them on a revision switch. It knows
 * nothing of databases: the service's program is a `PlatformApp` (boot, handle, sigterm).
 *
 * Fault model (what the platform does to an instance, all in simulated time):
 * - cold start: a request finding no ready instance with a free slot starts one (up to
 *   `maxInstances`); the container takes `containerStartMs` (drawn per start, log-normal around
 *   the option) before the app's boot runs. Requests queue on a starting instance.
 * - CPU throttled while idle: once an instance has no request in flight its CPU is throttled:
 *   a timer of the app (`instance.clock.sleepMs`: heartbeats, the idle-flush backstop, commit
 *   pacing, retry backoff) that comes due while throttled does not fire until the next request
 *   or signal reaches the instance; held timers then fire in their original order. I/O already
 *   in flight still completes (its continuations need next to no CPU). A background heartbeat
 *   therefore does not fire while idle. (SimProcess.pause would also hold store answers: a
 *   stricter model that starves even a flush a request started; `pauseWhenIdle` selects it.)
 * - scale to zero: an instance idle for `idleShutdownMs` is taken out of rotation and sent
 *   SIGTERM. A request arriving after that goes to a NEW instance (the dying one is not reused).
 * - SIGTERM: the instance gets CPU again and `sigtermGraceMs` (10 s) to run its handler; then it
 *   is killed (SIGKILL: no grace, pending calls never return, local disk gone).
 * - revision switch (deploy): an instance of the new revision starts at once; the old
 *   revision's instances keep serving until it is ready, then leave rotation and receive
 *   SIGTERM `switchOverlapMs` later: a double-instance window.
 * - kill: an instance dies without grace (host failure, OOM).
 * - abnormal exits: an instance whose boot fails or which exits non-zero counts as abnormal;
 *   after consecutive abnormal exits the platform delays the next start with exponential backoff
 *   (`restartBackoffBaseMs` … `restartBackoffMaxMs`) and answers requests 429 meanwhile (B06).
 *   A clean exit (code 0) resets the count.
 *
 * Options are drawn per seed (`drawPlatformOptions`) and recorded in the trace.
 */
import type { Clock } from "../engine/runtime.ts";
import type { SimProcess } from "./process.ts";
import type { Rng } from "./rng.ts";
import type { World } from "./world.ts";

export interface PlatformOptions {
  /** Instances of the serving revision at most (Cloud Run --max-instances). */
  maxInstances: number;
  /** Requests one instance serves at once (--concurrency). */
  concurrency: number;
  /** Idle time after which an instance is shut down (scale to zero). */
  idleShutdownMs: number;
  sigtermGraceMs: number;
  /** Median container start (image pull, runtime init): the cold-start floor. */
  containerStartMs: number;
  /** Log-normal sigma of container start. */
  containerStartSigma: number;
  /** Double-instance window of a revision switch: old instances get SIGTERM this long after the new one is ready. */
  switchOverlapMs: number;
  restartBackoffBaseMs: number;
  restartBackoffMaxMs: number;
  /** Consecutive abnormal exits tolerated before restarts are throttled. */
  abnormalExitsFree: number;
  /** 1: idle instances are paused outright (store answers held too), 0: only timers are held. */
  pauseWhenIdle: number;
  /** Starts of a new revision before it is marked failed (traffic stays on the old one). */
  revisionStartAttemptsMax: number;
}

export const DEFAULT_PLATFORM_OPTIONS: Readonly<PlatformOptions> = Object.freeze({
  maxInstances: 1,
  concurrency: 4,
  idleShutdownMs: 15 * 60_000,
  sigtermGraceMs: 10_000,
  containerStartMs: 2_000,
  containerStartSigma: 0.2,
  switchOverlapMs: 5_000,
  restartBackoffBaseMs: 10_000,
  restartBackoffMaxMs: 5 * 60_000,
  abnormalExitsFree: 1,
  pauseWhenIdle: 0,
  revisionStartAttemptsMax: 5,
});

/** This seed's platform: Cloud Run-like defaults with the timing options varied. */
export function drawPlatformOptions(world: World, overrides: Partial<PlatformOptions> = {}): PlatformOptions {
  const drawn = world.draw("platform", (rng: Rng) => ({
    concurrency: rng.pick([1, 4, 80]),
    idleShutdownMs: rng.pick([5, 10, 15]) * 60_000,
    containerStartMs: rng.int(1_500, 2_500),
    containerStartSigma: rng.pick([0.1, 0.2, 0.35]),
    switchOverlapMs: rng.int(0, 15_000),
  }));
  return resolvePlatformOptions({ ...drawn, ...overrides });
}

export function resolvePlatformOptions(partial: Partial<PlatformOptions> = {}): PlatformOptions {
  const options = { ...DEFAULT_PLATFORM_OPTIONS, ...partial };
  for (const [name, value] of Object.entries(options))
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`platform option ${name} must be >= 0, got ${value}`);
  if (options.maxInstances < 1 || options.concurrency < 1)
    throw new RangeError("platform options maxInstances and concurrency must be >= 1");
  return options;
}

/** What the platform asks of the service's program, running inside an instance. */
export interface PlatformApp<Request, Response> {
  /** Runs after the container started; the instance is ready when it resolves. */
  boot(instance: Instance): Promise<void>;
  handle(instance: Instance, request: Request): Promise<Response>;
  /** SIGTERM handler; the instance exits 0 when it resolves (killed at the grace deadline). */
  sigterm(instance: Instance): Promise<void>;
}

export type InstanceState = "starting" | "ready" | "draining" | "dead";

export interface ColdStart {
  instance: string;
  containerStartMs: number;
  /** The app's own phases (lease wait, restore, open, ...), as it marked them. */
  phases: Record<string, number>;
  totalMs: number;
}

export class Instance {
  state: InstanceState = "starting";
  inFlight = 0;
  readonly queue: Array<() => void> = [];
  readonly coldStart: ColdStart;
  /** Set when the instance is asked to exit (e.g. a probe's restart) with this code. */
  exitCode: number | null = null;
  private idleTimer: (() => void) | null = null;
  private phaseStartMs: number;
  /** CPU throttled: timers coming due are held until the next wake. */
  throttled = false;
  private heldTimers: Array<() => void> = [];
  /** The app's clock: the process's, with timers held while the CPU is throttled. */
  readonly clock: Clock;

  constructor(
    readonly name: string,
    readonly revision: number,
    readonly process: SimProcess,
    readonly startedAtMs: number,
    private readonly platform: Platform<unknown, unknown>,
  ) {
    this.coldStart = { instance: name, containerStartMs: 0, phases: {}, totalMs: 0 };
    this.phaseStartMs = startedAtMs;
    this.clock = {
      nowMs: () => process.clock.nowMs(),
      sleepMs: (ms, signal) =>
        process.sleep(ms, signal).then(
          () =>
            new Promise<void>((resolve) => {
              if (this.throttled) this.heldTimers.push(resolve);
              else resolve();
            }),
        ),
    };
  }

  /** @internal Gives the CPU back: held timers fire in their original order. */
  unthrottle(): void {
    this.throttled = false;
    const held = this.heldTimers.splice(0);
    for (const fire of held) fire();
  }

  /** The app marks the end of a boot phase; its duration is the time since the last mark. */
  mark(phase: string): void {
    const nowMs = this.platform.world.nowMs;
    this.coldStart.phases[phase] = nowMs - this.phaseStartMs;
    this.phaseStartMs = nowMs;
  }

  /** @internal */
  markContainerStarted(): void {
    this.coldStart.containerStartMs = this.platform.world.nowMs - this.startedAtMs;
    this.phaseStartMs = this.platform.world.nowMs;
  }

  /** The app asks to exit with `code` once its current request is answered (a probe's restart). */
  requestExit(code: number): void {
    this.exitCode = code;
  }

  /** @internal */
  setIdleTimer(cancel: (() => void) | null): void {
    this.idleTimer?.();
    this.idleTimer = cancel;
  }
}

export class PlatformRejectedError extends Error {
  override name = "PlatformRejectedError";
  constructor(
    readonly status: 429 | 503,
    message: string,
  ) {
    super(`${status}: ${message}`);
  }
}

export interface PlatformCounters {
  coldStarts: number;
  requests: number;
  rejected429: number;
  rejected503: number;
  sigterms: number;
  graceKills: number;
  kills: number;
  abnormalExits: number;
  revisionSwitches: number;
  /** Instance-seconds with CPU allocated (serving, booting, SIGTERM), the billed unit. */
  cpuBusyMs: number;
  /** Instance-seconds alive (billed for memory while CPU is allocated only, as cpuBusyMs). */
  instanceAliveMs: number;
}

export class Platform<Request, Response> {
  readonly options: PlatformOptions;
  readonly instances: Instance[] = [];
  readonly coldStarts: ColdStart[] = [];
  readonly counters: PlatformCounters = {
    coldStarts: 0,
    requests: 0,
    rejected429: 0,
    rejected503: 0,
    sigterms: 0,
    graceKills: 0,
    kills: 0,
    abnormalExits: 0,
    revisionSwitches: 0,
    cpuBusyMs: 0,
    instanceAliveMs: 0,
  };
  revision = 1;
  private servingRevision = 1;
  private nextInstance = 1;
  private abnormalStreak = 0;
  private throttledUntilMs = 0;
  private readonly busySinceMs = new Map<Instance, number>();
  /** The platform's own control loop (timers for idle shutdown, grace kills, overlap). */
  readonly control: SimProcess;

  constructor(
    readonly world: World,
    readonly app: PlatformApp<Request, Response>,
    options: Partial<PlatformOptions> = {},
    readonly service = "svc",
  ) {
    this.options = resolvePlatformOptions(options);
    this.control = world.spawn(`platform.${service}`);
  }

  live(): Instance[] {
    return this.instances.filter((instance) => instance.state !== "dead");
  }

  /** Routes one request; rejects with PlatformRejectedError (429 throttled restarts, 503 boot failure). */
  async request(request: Request): Promise<Response> {
    this.counters.requests++;
    const instance = this.route();
    if (instance === null) {
      this.counters.rejected429++;
      this.world.log(this.control.name, "platform.429", { reason: "restarts throttled" });
      throw new PlatformRejectedError(429, "instance restarts throttled after abnormal exits");
    }
    instance.inFlight++;
    this.wake(instance);
    try {
      if (instance.state === "starting") await new Promise<void>((resolve) => instance.queue.push(resolve));
      if (instance.state !== "ready" && instance.state !== "draining")
        throw new PlatformRejectedError(503, `instance ${instance.name} failed to start`);
      return await instance.process.guard(this.app.handle(instance, request));
    } finally {
      instance.inFlight--;
      this.afterRequest(instance);
    }
  }

  /** Starts an instance of a new revision; the old ones leave when it is ready (double-instance window). */
  deploy(): Instance {
    this.revision++;
    this.counters.revisionSwitches++;
    this.world.log(this.control.name, "platform.deploy", { revision: this.revision });
    return this.start(this.revision);
  }

  /** SIGKILL an instance (host failure): no grace. */
  kill(instance: Instance, reason = "killed by the platform"): void {
    if (instance.state === "dead") return;
    this.counters.kills++;
    this.die(instance, reason);
  }

  /** Sends SIGTERM now (scale-in, or a test's forced shutdown). */
  terminate(instance: Instance, reason: string): void {
    if (instance.state === "dead" || instance.state === "draining") return;
    this.counters.sigterms++;
    instance.state = "draining";
    instance.setIdleTimer(null);
    this.releaseQueue(instance);
    instance.process.log("platform.sigterm", { reason });
    this.wake(instance);
    this.control.setTimer(this.options.sigtermGraceMs, "platform.grace-deadline", () => {
      if (instance.state === "dead") return;
      this.counters.graceKills++;
      this.die(instance, "grace period over");
    });
    instance.process.guard(this.app.sigterm(instance)).then(
      () => this.exit(instance, 0),
      (error: unknown) => {
        instance.process.log("platform.sigterm-handler-failed", { error: String(error) });
        this.exit(instance, 1);
      },
    );
  }

  /** Total billed CPU time so far, including instances still busy. */
  billedCpuMs(): number {
    let total = this.counters.cpuBusyMs;
    for (const since of this.busySinceMs.values()) total += this.world.nowMs - since;
    return total;
  }

  private route(): Instance | null {
    const serving = this.live().filter(
      (instance) =>
        instance.revision === this.servingRevision &&
        (instance.state === "ready" || instance.state === "starting"),
    );
    const free = serving.find(
      (instance) => instance.state === "ready" && instance.inFlight < this.options.concurrency,
    );
    if (free) return free;
    const servingCount = serving.length;
    if (servingCount < this.options.maxInstances) {
      if (this.world.nowMs < this.throttledUntilMs) return serving[0] ?? null;
      return this.start(this.servingRevision);
    }
    // Every instance is full or starting: queue on the least loaded.
    return serving.reduce(
      (best, instance) => (instance.inFlight < best.inFlight ? instance : best),
      serving[0]!,
    );
  }

  private start(revision: number): Instance {
    const name = `${this.service}.r${revision}.i${this.nextInstance++}`;
    const process = this.world.spawn(name);
    const instance = new Instance(
      name,
      revision,
      process,
      this.world.nowMs,
      this as Platform<unknown, unknown>,
    );
    this.instances.push(instance);
    this.counters.coldStarts++;
    this.busySinceMs.set(instance, this.world.nowMs);
    const containerMs = Math.round(
      process.rng.logNormal(this.options.containerStartMs, this.options.containerStartSigma),
    );
    void process.start(async (self) => {
      await self.sleep(containerMs);
      instance.markContainerStarted();
      try {
        await this.app.boot(instance);
      } catch (error) {
        self.log("platform.boot-failed", {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        this.exit(instance, 1);
        return;
      }
      if (instance.state !== "starting") return;
      instance.coldStart.totalMs = this.world.nowMs - instance.startedAtMs;
      this.coldStarts.push(instance.coldStart);
      instance.state = "ready";
      self.log("platform.ready", { revision, coldStartMs: instance.coldStart.totalMs });
      this.releaseQueue(instance);
      if (revision > this.servingRevision) this.switchTo(revision);
      this.afterRequest(instance);
    });
    return instance;
  }

  private switchTo(revision: number): void {
    this.servingRevision = revision;
    const old = this.live().filter((instance) => instance.revision < revision);
    this.control.setTimer(this.options.switchOverlapMs, "platform.switch-overlap-over", () => {
      for (const instance of old) this.terminate(instance, `revision ${revision} serving`);
    });
  }

  private releaseQueue(instance: Instance): void {
    const waiting = instance.queue.splice(0);
    for (const resume of waiting) resume();
  }

  private afterRequest(instance: Instance): void {
    if (instance.state === "dead") return;
    if (instance.exitCode !== null && instance.inFlight === 0 && instance.state === "ready") {
      this.exit(instance, instance.exitCode);
      return;
    }
    if (instance.state !== "ready" || instance.inFlight > 0) return;
    // Idle: CPU throttled until the next request or signal; shut down after idleShutdownMs.
    this.sleepInstance(instance);
    instance.setIdleTimer(
      this.control.setTimer(this.options.idleShutdownMs, "platform.idle-timeout", () => {
        if (instance.state === "ready" && instance.inFlight === 0) this.terminate(instance, "idle");
      }),
    );
  }

  private wake(instance: Instance): void {
    instance.setIdleTimer(null);
    if (!this.busySinceMs.has(instance) && instance.state !== "dead")
      this.busySinceMs.set(instance, this.world.nowMs);
    instance.process.resume();
    instance.unthrottle();
  }

  private sleepInstance(instance: Instance): void {
    this.chargeBusy(instance);
    instance.throttled = true;
    if (this.options.pauseWhenIdle === 1) instance.process.pause();
  }

  private chargeBusy(instance: Instance): void {
    const since = this.busySinceMs.get(instance);
    if (since === undefined) return;
    this.counters.cpuBusyMs += this.world.nowMs - since;
    this.busySinceMs.delete(instance);
  }

  private exit(instance: Instance, code: number): void {
    if (instance.state === "dead") return;
    if (code === 0) this.abnormalStreak = 0;
    else {
      this.counters.abnormalExits++;
      this.abnormalStreak++;
      if (this.abnormalStreak > this.options.abnormalExitsFree) {
        const backoffMs = Math.min(
          this.options.restartBackoffMaxMs,
          this.options.restartBackoffBaseMs * 2 ** (this.abnormalStreak - this.options.abnormalExitsFree - 1),
        );
        this.throttledUntilMs = this.world.nowMs + backoffMs;
        this.world.log(this.control.name, "platform.restart-backoff", {
          backoffMs,
          streak: this.abnormalStreak,
        });
      }
    }
    this.die(instance, `exit ${code}`);
    // A new revision that failed to start is started again (after the backoff, if throttled).
    const attempts = this.instances.filter((other) => other.revision === instance.revision).length;
    if (
      code !== 0 &&
      instance.revision === this.revision &&
      instance.revision > this.servingRevision &&
      attempts < this.options.revisionStartAttemptsMax
    ) {
      const delayMs = Math.max(this.options.restartBackoffBaseMs, this.throttledUntilMs - this.world.nowMs);
      this.control.setTimer(delayMs, "platform.retry-revision", () => {
        if (instance.revision === this.revision && this.servingRevision < instance.revision)
          this.start(instance.revision);
      });
    }
  }

  private die(instance: Instance, reason: string): void {
    this.chargeBusy(instance);
    instance.state = "dead";
    instance.setIdleTimer(null);
    this.counters.instanceAliveMs += this.world.nowMs - instance.startedAtMs;
    instance.process.kill(reason);
    this.releaseQueue(instance);
  }
}
