/**
 * The example engine's writer: a lease object with an ETag-style version (every renewal is a
 * conditional write on the version it last saw), a heartbeat on a real `setInterval`, waits on
 * real `setTimeout`, time from `Date.now()`. Nothing here knows it runs in a simulation: blobsim
 * serves those globals from its scheduler (sim/virtualize.ts).
 *
 * Protocol: win the lease object (epoch + 1), then stamp HEAD with the epoch (fencing every older
 * writer's commit, which is a conditional write on the HEAD version it built on), then commit by
 * writing the data object and CAS-ing HEAD with it appended.
 */
import {
  type AcquiredRole,
  type BlobStore,
  type CommitAck,
  type FaultPoints,
  FencedError,
  LockedError,
  type WriterContext,
  type WriterRole,
} from "../../api/index.ts";
import {
  decodeHead,
  decodeLeaseLine,
  emptyHead,
  encodeHead,
  encodeLeaseLine,
  type Head,
  headKey,
  type LeaseLine,
  leaseObjectKey,
} from "./records.ts";
import { read, retrying, writeIf } from "./store-calls.ts";

/** The head state a writer commits on: the decoded head and the version it was read at. */
export interface HeadState {
  head: Head;
  version: string | null;
}

/** The steps a buggy commit of this engine gets wrong (see blobsim.config.ts's variants). */
export interface EtagStrategies {
  /** Writes a renewed lease line; the fixed engine makes it conditional on the held version. */
  writeRenewal(store: BlobStore, key: string, bytes: Uint8Array, heldVersion: string): Promise<string | null>;
  /** Whether a new owner stamps HEAD with its epoch before serving (fencing older writers). */
  fenceOnAcquire: boolean;
}

export const fixedStrategies: EtagStrategies = {
  writeRenewal: (store, key, bytes, heldVersion) => writeIf(store, key, bytes, { ifMatch: heldVersion }),
  fenceOnAcquire: true,
};

const DEFAULT_ACQUIRE_TIMEOUT_MS = 120_000;
const POLL_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EtagWriter implements WriterRole {
  readonly holder: string;
  private held: { line: LeaseLine; version: string } | null = null;
  private lost: FencedError | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private renewing: Promise<void> = Promise.resolve();
  private readonly leaseKey: string;
  private readonly headKey: string;
  private readonly faults: FaultPoints;

  constructor(
    private readonly context: WriterContext,
    private readonly strategies: EtagStrategies = fixedStrategies,
  ) {
    this.holder = context.holder;
    this.leaseKey = leaseObjectKey(context.prefix);
    this.headKey = headKey(context.prefix);
    this.faults = context.faults ?? { hit: () => undefined };
  }

  get fencingToken(): number {
    if (!this.held) throw new Error(`${this.holder} holds no lease`);
    return this.held.line.epoch;
  }

  async acquire(): Promise<AcquiredRole> {
    const { store } = this.context;
    const startedAt = Date.now();
    const timeoutMs = this.context.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
    for (;;) {
      const current = await read(store, this.leaseKey);
      const line = current ? decodeLeaseLine(current.bytes) : null;
      const now = Date.now();
      const freeAt =
        line === null || line.state === "released" ? now : line.until + this.context.takeoverGraceMs;
      if (now < freeAt) {
        const waited = now - startedAt;
        if (waited >= timeoutMs) throw new LockedError(this.leaseKey, line!.owner, line!.until, waited);
        await sleep(Math.max(1, Math.min(POLL_MS, freeAt - now + 1, timeoutMs - waited)));
        continue;
      }
      const next: LeaseLine = {
        owner: this.holder,
        epoch: (line?.epoch ?? 0) + 1,
        until: now + this.context.leaseTtlMs,
        state: "held",
      };
      const version = await writeIf(
        store,
        this.leaseKey,
        encodeLeaseLine(next),
        current ? { ifMatch: current.version } : { ifNoneMatch: true },
      );
      if (version === null) continue; // another taker won this round
      this.held = { line: next, version };
      this.lost = null;
      await this.faults.hit("lease.after-acquire-before-stamp");
      const state = await this.stamp(next.epoch);
      await this.faults.hit("lease.after-stamp");
      this.heartbeat = setInterval(() => {
        this.renew().catch(() => undefined);
      }, this.context.leaseTtlMs / 2);
      this.context.events.acquired({ holder: this.holder, fencingToken: next.epoch });
      this.context.logger.log("etag.acquired", { epoch: next.epoch });
      return { fencingToken: next.epoch, manifest: state, tookOver: line !== null };
    }
  }

  /** Writes our epoch into HEAD (unless the strategy skips it); fenced if HEAD has a newer one. */
  private async stamp(epoch: number): Promise<HeadState> {
    for (;;) {
      const current = await read(this.context.store, this.headKey);
      const head = current ? decodeHead(current.bytes) : emptyHead();
      const state: HeadState = { head, version: current?.version ?? null };
      if (head.epoch > epoch) throw this.fence(`HEAD already carries epoch ${head.epoch}`);
      if (!this.strategies.fenceOnAcquire) return state;
      const stamped: Head = { ...head, epoch, owner: this.holder };
      const version = await writeIf(
        this.context.store,
        this.headKey,
        encodeHead(stamped),
        current ? { ifMatch: current.version } : { ifNoneMatch: true },
      );
      if (version !== null) return { head: stamped, version };
    }
  }

  private fence(why: string): FencedError {
    this.stopHeartbeat();
    this.lost ??= new FencedError(this.held?.line.epoch ?? 0, why);
    return this.lost;
  }

  renew(): Promise<void> {
    // One renewal at a time: the heartbeat and an explicit call share the chain.
    const next = this.renewing.then(() => this.renewOnce());
    this.renewing = next.catch(() => undefined);
    return next;
  }

  private async renewOnce(): Promise<void> {
    if (this.lost) throw this.lost;
    const held = this.held;
    if (!held) throw new Error(`${this.holder} holds no lease`);
    await this.faults.hit("lease.before-renew");
    const line: LeaseLine = { ...held.line, until: Date.now() + this.context.leaseTtlMs };
    const version = await this.strategies.writeRenewal(
      this.context.store,
      this.leaseKey,
      encodeLeaseLine(line),
      held.version,
    );
    if (version === null) throw this.fence("lease object changed under us (taken over)");
    this.held = { line, version };
  }

  async commit(base: unknown, sizeBytes: number, faults: FaultPoints = this.faults): Promise<CommitAck> {
    if (this.lost) throw this.lost;
    const held = this.held;
    if (!held) throw new Error(`${this.holder} holds no lease`);
    if (Date.now() >= held.line.until) throw this.fence("lease expired on our own clock");
    const { head, version } = base as HeadState;
    const epoch = held.line.epoch;
    const key = `${this.context.prefix}/log/${epoch}-${head.end}-${head.end + sizeBytes}`;
    await retrying(() => this.context.store.put(key, new Uint8Array(Math.min(sizeBytes, 64))));
    const next: Head = {
      ...head,
      epoch,
      owner: this.holder,
      log: [...head.log, { key, len: sizeBytes }],
      end: head.end + sizeBytes,
    };
    await faults.hit("lease.before-commit-cas");
    const committed = await writeIf(
      this.context.store,
      this.headKey,
      encodeHead(next),
      version === null ? { ifNoneMatch: true } : { ifMatch: version },
    );
    if (committed === null) {
      const now = await read(this.context.store, this.headKey);
      const owner = now ? decodeHead(now.bytes) : null;
      if (owner && (owner.epoch !== epoch || owner.owner !== this.holder))
        throw this.fence(`HEAD now carries epoch ${owner.epoch} of ${owner.owner ?? "nobody"}`);
      throw new Error(`${this.holder}: commit on a stale HEAD version`);
    }
    return { manifest: { head: next, version: committed } satisfies HeadState, objectKey: key };
  }

  async release(): Promise<void> {
    this.stopHeartbeat();
    const held = this.held;
    if (!held || this.lost) return;
    this.held = null;
    const line: LeaseLine = { ...held.line, until: Date.now(), state: "released" };
    await writeIf(this.context.store, this.leaseKey, encodeLeaseLine(line), { ifMatch: held.version }).catch(
      () => null,
    );
  }

  async close(): Promise<void> {
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
