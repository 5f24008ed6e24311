/**
 * Records what the single-writer checker judges from: the CONTENT of every applied write of the
 * lease and manifest objects (the store's history keeps versions, not bytes), and the moments
 * writers came to believe they hold the lease (the typed `acquired` event a binding emits, engine/node/roles.ts).
 *
 * The store side taps SimBlobStore's apply point, so a write whose answer was lost (ambiguous,
 * timed out) is recorded as the store applied it, whatever its caller believes. The belief side
 * is the binding's WriterEvents sink for each process (never a log line matched by name).
 */
import type { WriterEvents } from "../engine/node/roles.ts";
import type { SimBlobStore, StoreMutation } from "../sim/blob-store.ts";
import type { SimProcess } from "../sim/process.ts";
import type { World } from "../sim/world.ts";

export interface TappedWrite {
  mutation: StoreMutation;
  bytes: Uint8Array;
}

export interface LeaseClaim {
  atMs: number;
  process: string;
  holder: string;
  fencingToken: number;
}

export class SingleWriterTap {
  readonly writes: TappedWrite[] = [];
  readonly claims: LeaseClaim[] = [];

  constructor(
    private readonly world: World,
    store: SimBlobStore,
    readonly leaseKey: string,
    readonly manifestKey: string,
  ) {
    const applyPut = store.applyPut.bind(store);
    store.applyPut = (process, key, bytes, options) => {
      const answer = applyPut(process, key, bytes, options);
      if (answer.applied && (key === leaseKey || key === manifestKey))
        this.writes.push({ mutation: answer.applied, bytes: bytes.slice() });
      return answer;
    };
  }

  /** The events sink for a writer in `process`: keeps its claims, timed by the world. */
  events(process: SimProcess): WriterEvents {
    return {
      acquired: (claim) => {
        this.claims.push({
          atMs: this.nowMs(),
          process: process.name,
          holder: claim.holder,
          fencingToken: claim.fencingToken,
        });
      },
    };
  }

  private nowMs(): number {
    return this.world.nowMs;
  }
}
