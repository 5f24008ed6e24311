/**
 * A minimal in-memory BlobStore with GCS generation semantics and no latency or faults, for
 * engine unit tests that need a store but no simulated world. `failNext` queues typed errors
 * for the next calls of one operation (to test retries and ambiguous-write resolution).
 * Scenarios use the simulated store (sim/blob-store.ts), never this.
 */
import type {
  BlobHead,
  BlobObject,
  BlobStore,
  DeleteOptions,
  ListPage,
  PutOptions,
  VersionToken,
} from "../../blobstore/blob-store.ts";
import { NotFoundError, PreconditionFailedError } from "../../blobstore/errors.ts";

type Operation = "get" | "head" | "put" | "list" | "delete";

/** An injected failure: throw `error`; `applyFirst` applies a put before throwing (lost reply). */
export interface InjectedFailure {
  error: Error;
  applyFirst?: boolean;
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { bytes: Uint8Array; generation: number }>();
  private generation = 0;
  private readonly failures = new Map<Operation, InjectedFailure[]>();
  readonly calls: Array<{ op: Operation; key: string }> = [];

  failNext(op: Operation, ...failures: InjectedFailure[]): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...failures]);
  }

  private takeFailure(op: Operation): InjectedFailure | undefined {
    return this.failures.get(op)?.shift();
  }

  async get(key: string): Promise<BlobObject | null> {
    this.calls.push({ op: "get", key });
    const failure = this.takeFailure("get");
    if (failure) throw failure.error;
    const object = this.objects.get(key);
    if (!object) return null;
    return { bytes: object.bytes.slice(), version: String(object.generation), size: object.bytes.length };
  }

  async head(key: string): Promise<BlobHead | null> {
    this.calls.push({ op: "head", key });
    const failure = this.takeFailure("head");
    if (failure) throw failure.error;
    const object = this.objects.get(key);
    return object ? { version: String(object.generation), size: object.bytes.length } : null;
  }

  async put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<VersionToken> {
    this.calls.push({ op: "put", key });
    const failure = this.takeFailure("put");
    if (failure && !failure.applyFirst) throw failure.error;
    const current = this.objects.get(key);
    if (options.ifNoneMatch && current) throw new PreconditionFailedError("exists", key);
    if (options.ifMatch !== undefined && String(current?.generation) !== options.ifMatch)
      throw new PreconditionFailedError("generation mismatch", key);
    this.generation += 1;
    this.objects.set(key, { bytes: bytes.slice(), generation: this.generation });
    if (failure) throw failure.error;
    return String(this.generation);
  }

  async list(prefix: string): Promise<ListPage> {
    this.calls.push({ op: "list", key: prefix });
    const entries = [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, object]) => ({ key, version: String(object.generation), size: object.bytes.length }));
    return { entries };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    this.calls.push({ op: "delete", key });
    const failure = this.takeFailure("delete");
    if (failure && !failure.applyFirst) throw failure.error;
    const current = this.objects.get(key);
    if (!current) throw new NotFoundError("absent", key);
    if (options.ifMatch !== undefined && String(current.generation) !== options.ifMatch)
      throw new PreconditionFailedError("generation mismatch", key);
    this.objects.delete(key);
    if (failure) throw failure.error;
  }
}
