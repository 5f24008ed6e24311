/**
 * Records what the single-writer checker judges from: the CONTENT of every applied write of the
 * lease and manifest objects (the store's history keeps versions, not bytes), and the moments
 * writers came to believe they hold the lease (the engine's `lease.acquired` log line).
 *
 * The store side taps SimBlobStore's apply point, so a write whose answer was lost (ambiguous,
 * timed out) is recorded as the store applied it, whatever its caller believes. The belief side
 * wraps each process's engine Logger: every line still goes to the trace, `lease.acquired` lines
 * are also kept here (the trace keeps only recent events unless asked for all).
 */
import type { Logger } from "../engine/runtime.ts";
import type { SimBlobStore, StoreMutation } from "../sim/blob-store.ts";
import type { SimProcess } from "../sim/process.ts";
import type { TraceFields } from "../sim/trace.ts";
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

  /** A Logger for engine code running in `process`: traces every line, keeps the claims. */
  logger(process: SimProcess): Logger {
    return {
      log: (kind, fields) => {
        process.log(kind, fields as TraceFields | undefined);
        if (kind !== "lease.acquired" || !fields) return;
        this.claims.push({
          atMs: this.nowMs(),
          process: process.name,
          holder: String(fields.holder),
          fencingToken: Number(fields.fencingToken),
        });
      },
    };
  }

  private nowMs(): number {
    return this.world.nowMs;
  }
}
