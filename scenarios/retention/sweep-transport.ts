/**
 * The network between a sweeping peer and the primary. Fault model, per request: a seeded
 * latency each way; a lost request or response (the caller sees a TransientSweepError after a
 * timeout); and a misbehaving upstream that rewrites the gap header. On a first-contact request
 * it may advertise a gap floor ahead of everything (an upstream that tells new peers to "start
 * from now"); on any request it may advertise a far-future or unparseable floor. A correct
 * client ignores all of these; the body is never touched.
 */
import type { SweepRequest, SweepResponse, SweepServer } from "../../engine/retention/sweep-server.ts";
import { opIdAtTime } from "../../engine/retention/op-id.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Rng } from "../../sim/rng.ts";
import type { World } from "../../sim/world.ts";

export class TransientSweepError extends Error {
  override name = "TransientSweepError";
}

export interface TransportFaults {
  latencyMeanMs: number;
  lossProbability: number;
  firstContactGapForgeProbability: number;
  hostileGapProbability: number;
  /** How far ahead of now a forged first-contact floor is stamped. */
  forgeAheadMaxMs: number;
}

export class SweepTransport {
  faultsOn = true;

  constructor(
    private readonly world: World,
    private readonly primary: SimProcess,
    private readonly server: SweepServer,
    private readonly rng: Rng,
    private readonly faults: TransportFaults,
    private readonly onServed: (request: SweepRequest, response: SweepResponse) => void,
  ) {}

  async request(caller: SimProcess, request: SweepRequest): Promise<SweepResponse> {
    await caller.sleep(this.latency());
    if (this.faultsOn && this.rng.chance(this.faults.lossProbability)) {
      await caller.sleep(500);
      throw new TransientSweepError("request lost");
    }
    const response = await caller.guard(this.primary.guard(this.server.serve(request)));
    this.onServed(request, response);
    const delivered = this.faultsOn ? this.tamper(request, response) : response;
    await caller.sleep(this.latency());
    return delivered;
  }

  private tamper(request: SweepRequest, response: SweepResponse): SweepResponse {
    const nowMs = this.world.epochMs + this.world.nowMs;
    if (request.after === null && this.rng.chance(this.faults.firstContactGapForgeProbability)) {
      const aheadMs = this.rng.int(1, this.faults.forgeAheadMaxMs);
      return { ...response, gap: { prunedThroughId: opIdAtTime(nowMs + aheadMs) } };
    }
    if (this.rng.chance(this.faults.hostileGapProbability)) {
      const floor = this.rng.pick([
        opIdAtTime(nowMs + 30 * 86_400_000),
        "bafybeigdyrzt5sfp7udm7hu76uh7y26",
        "",
      ]);
      return { ...response, gap: { prunedThroughId: floor } };
    }
    return response;
  }

  private latency(): number {
    return Math.max(1, Math.round(this.rng.exponential(this.faults.latencyMeanMs)));
  }
}
