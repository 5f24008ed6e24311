// A consumer project's config, as api/package.test.ts installs it beside the packed tarball: it
// imports blobsim by package name, so it type-checks only in that temporary project.
import {
  type AcquiredRole,
  blobsimBinding,
  type CommitAck,
  defineConfig,
  type EngineBinding,
  type FaultPoints,
  type WriterContext,
  type WriterRole,
} from "blobsim";

/** A writer with its own private fields (here it wraps blobsim's engine). */
class WrappedWriter implements WriterRole {
  readonly #inner: WriterRole;
  private commits = 0;
  constructor(inner: WriterRole) {
    this.#inner = inner;
  }
  get holder(): string {
    return this.#inner.holder;
  }
  get fencingToken(): number {
    return this.#inner.fencingToken;
  }
  acquire(early?: unknown): Promise<AcquiredRole> {
    return this.#inner.acquire(early);
  }
  renew(): Promise<void> {
    return this.#inner.renew();
  }
  release(): Promise<void> {
    return this.#inner.release();
  }
  commit(base: unknown, sizeBytes: number, faults?: FaultPoints): Promise<CommitAck> {
    this.commits += 1;
    return this.#inner.commit(base, sizeBytes, faults);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

const reference = blobsimBinding();
const wrapped: EngineBinding = {
  ...reference,
  name: "wrapped",
  openWriter: (context: WriterContext) => new WrappedWriter(reference.openWriter(context)),
};

// @ts-expect-error a writer without commit is not a WriterRole (fails if the types were lost)
const incomplete: WriterRole = { holder: "h", fencingToken: 1, acquire: wrapped.readEarly };
void incomplete;

export default defineConfig({ bindings: { wrapped }, include: ["lease.zombie"] });
