/**
 * The simulated network between named nodes, for the replication engine.
 *
 * Fault model (all seeded; rates drawn per seed by `drawNetworkOptions` through world.draw):
 * - delay: every message takes a log-normal delay (median `delayMedianMs`, shape `delaySigma`);
 *   independent delays already reorder messages, and with probability `reorderRate` a message
 *   gets `reorderExtraMs` more, so later messages overtake it.
 * - loss: a message is dropped with probability `lossRate`.
 * - duplication: with probability `duplicateRate` a second copy is delivered with its own delay.
 * - partitions: `partition(a, b)` drops every message between a and b (also those already in
 *   flight when they arrive) until `heal`. `startPartitionChaos` cuts random pairs for
 *   random spans until a deadline.
 * - addresses: a node listens at one address; `rebind` moves it to a new one. Messages are
 *   resolved at delivery time, so whatever was in flight to the old address is lost.
 * - a paused receiver holds deliveries until it resumes; a dead one drops them.
 * `healAll()` ends every fault (the liveness phase): no loss, no duplicates, no partitions.
 * Replies of `call` travel back over the same faulty network; a call rejects with
 * NetworkTimeoutError when no reply arrived within its timeout.
 */
import type { Rng } from "./rng.ts";
import type { SimProcess } from "./process.ts";
import type { World } from "./world.ts";

export interface NetworkOptions {
  [key: string]: number;
  delayMedianMs: number;
  delaySigma: number;
  lossRate: number;
  duplicateRate: number;
  reorderRate: number;
  reorderExtraMs: number;
  /** Mean time between random partitions (0: none). */
  partitionMeanIntervalMs: number;
  partitionMeanDurationMs: number;
}

export function drawNetworkOptions(world: World, component = "network"): NetworkOptions {
  return world.draw(component, (rng) => ({
    delayMedianMs: rng.pick([1, 3, 8]),
    delaySigma: rng.pick([0.2, 0.6, 1.0]),
    lossRate: rng.pick([0, 0.02, 0.1, 0.25]),
    duplicateRate: rng.pick([0, 0.05, 0.2]),
    reorderRate: rng.pick([0, 0.1, 0.3]),
    reorderExtraMs: rng.pick([5, 20]),
    partitionMeanIntervalMs: rng.pick([0, 150, 400]),
    partitionMeanDurationMs: rng.pick([30, 120]),
  }));
}

export class NetworkTimeoutError extends Error {
  override name = "NetworkTimeoutError";
}

/** A node's request handler: returns the reply, or undefined for none. */
export type RequestHandler = (request: unknown, fromNode: string) => unknown;

interface Node {
  name: string;
  address: string;
  process: SimProcess;
  handler: RequestHandler;
}

interface Envelope {
  kind: "request" | "reply";
  callId: number;
  fromNode: string;
  payload: unknown;
}

export class SimNetwork {
  private readonly nodes = new Map<string, Node>();
  private readonly byAddress = new Map<string, string>();
  private readonly cut = new Set<string>();
  private readonly pending = new Map<number, (reply: unknown) => void>();
  private readonly rng: Rng;
  private faultsOn = true;
  private nextCallId = 0;
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly world: World,
    readonly options: NetworkOptions,
  ) {
    this.rng = world.rng.fork("network");
  }

  bind(name: string, address: string, process: SimProcess, handler: RequestHandler): void {
    if (this.nodes.has(name)) throw new Error(`node ${name} already bound`);
    if (this.byAddress.has(address)) throw new Error(`address ${address} already in use`);
    this.nodes.set(name, { name, address, process, handler });
    this.byAddress.set(address, name);
  }

  /** A node restarted on a new process keeps its name, address and handler. */
  rehost(name: string, process: SimProcess): void {
    this.node(name).process = process;
    this.world.log("net", "net.rehost", { node: name, process: process.name });
  }

  /** Moves a node to a new address; the old one stops answering at once. */
  rebind(name: string, address: string): void {
    const node = this.node(name);
    if (this.byAddress.has(address)) throw new Error(`address ${address} already in use`);
    this.byAddress.delete(node.address);
    node.address = address;
    this.byAddress.set(address, name);
    this.world.log("net", "net.rebind", { node: name, address });
  }

  addressOf(name: string): string {
    return this.node(name).address;
  }

  partition(a: string, b: string): void {
    this.cut.add(pairKey(a, b));
    this.world.log("net", "net.partition", { a, b });
  }

  heal(a: string, b: string): void {
    this.cut.delete(pairKey(a, b));
    this.world.log("net", "net.heal", { a, b });
  }

  /** Ends every fault from now on (the liveness phase). */
  healAll(): void {
    this.faultsOn = false;
    this.cut.clear();
    this.world.log("net", "net.heal-all");
  }

  /** Random partitions between the given nodes until `untilMs` (simulated time). */
  startPartitionChaos(names: readonly string[], untilMs: number): void {
    const interval = this.options.partitionMeanIntervalMs;
    if (interval <= 0 || names.length < 2) return;
    const rng = this.world.rng.fork("network-partitions");
    const next = () => {
      const delay = Math.max(1, Math.round(rng.exponential(interval)));
      if (this.world.nowMs + delay >= untilMs) return;
      this.world.scheduler.after(delay, "net", "net.chaos", () => {
        if (!this.faultsOn) return;
        const a = rng.pick(names);
        const b = rng.pick(names.filter((n) => n !== a));
        const span = Math.max(1, Math.round(rng.exponential(this.options.partitionMeanDurationMs)));
        // Drawn first, decided after: a plan that drops this partition keeps the later ones' draws.
        if (this.world.decide("net.partition", () => true, false, { a, b, spanMs: span })) {
          this.partition(a, b);
          this.world.reach("net.partition");
          this.world.scheduler.after(span, "net", "net.chaos-heal", () => this.heal(a, b));
        }
        next();
      });
    };
    next();
  }

  /** Request/reply from `fromNode` to whoever listens at `toAddress`. */
  call(fromNode: string, toAddress: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const caller = this.node(fromNode);
    const callId = ++this.nextCallId;
    const reply = new Promise<unknown>((resolve, reject) => {
      const cancel = caller.process.setTimer(timeoutMs, "net.timeout", () => {
        if (!this.pending.delete(callId)) return;
        reject(new NetworkTimeoutError(`no reply from ${toAddress} within ${timeoutMs} ms (call ${callId})`));
      });
      this.pending.set(callId, (value) => {
        if (!this.pending.delete(callId)) return;
        cancel();
        resolve(value);
      });
    });
    this.transmit(fromNode, toAddress, { kind: "request", callId, fromNode, payload });
    return caller.process.guard(reply);
  }

  private transmit(fromNode: string, toAddress: string, envelope: Envelope): void {
    const detail = { from: fromNode, to: toAddress, message: envelope.kind };
    const chance = (site: string, rate: number) =>
      this.world.decide(site, () => this.rng.chance(rate), false, detail);
    if (this.faultsOn && chance("net.loss", this.options.lossRate)) {
      this.dropped++;
      return;
    }
    const copies = this.faultsOn && chance("net.duplicate", this.options.duplicateRate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      let delayMs = this.rng.logNormal(this.options.delayMedianMs, this.options.delaySigma);
      if (this.faultsOn && chance("net.reorder", this.options.reorderRate))
        delayMs += this.options.reorderExtraMs;
      this.world.scheduler.after(Math.max(0, Math.round(delayMs * 10) / 10), "net", "net.deliver", () =>
        this.arrive(fromNode, toAddress, envelope),
      );
    }
  }

  private arrive(fromNode: string, toAddress: string, envelope: Envelope): void {
    const toName = this.byAddress.get(toAddress);
    const target = toName === undefined ? undefined : this.nodes.get(toName);
    if (!target || !target.process.alive || this.cut.has(pairKey(fromNode, target.name))) {
      this.dropped++;
      return;
    }
    void target.process.guard(Promise.resolve()).then(() => {
      this.delivered++;
      if (envelope.kind === "reply") {
        this.pending.get(envelope.callId)?.(envelope.payload);
        return;
      }
      const answer = target.handler(envelope.payload, envelope.fromNode);
      if (answer === undefined) return;
      const back = this.nodes.get(envelope.fromNode);
      if (!back) return;
      this.transmit(target.name, back.address, {
        kind: "reply",
        callId: envelope.callId,
        fromNode: target.name,
        payload: answer,
      });
    });
  }

  private node(name: string): Node {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
