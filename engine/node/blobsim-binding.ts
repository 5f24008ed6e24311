/**
 * blobsim's own engine as a binding (roles.ts): the writer is the engine's Lease plus a fenced
 * commit of one WAL range per call (no database behind it: enough to tell which acked commit
 * survived), and the decoders read blobsim's lease and manifest formats. It is the binding every
 * scenario runs on unless a config names another; variants of this engine still reach it
 * through the lease seams it is built with.
 */
import { commitFenced } from "../lease/fenced-commit.ts";
import { type LeaseSeams } from "../lease/lease.ts";
import { decodeLease, leaseKey } from "../lease/lease-record.ts";
import { readManifest, type VersionedManifest } from "../manifest/cas.ts";
import { decodeManifest, type Manifest, manifestKey } from "../manifest/manifest.ts";
import type { FaultPoints } from "../runtime.ts";
import { openLease } from "./open-lease.ts";
import type {
  AcquiredRole,
  CommitAck,
  DecodedLease,
  DecodedManifest,
  EngineBinding,
  RecordDecoders,
  WriterContext,
  WriterRole,
} from "./roles.ts";

/** blobsim's record formats, as the checkers read them. */
export const blobsimDecoders: RecordDecoders = {
  decodeLease(bytes, key): DecodedLease {
    const record = decodeLease(bytes, key);
    return {
      holder: record.holder,
      token: record.fencingToken,
      expiresAtMs: record.expiresAtMs,
      acquiredAtMs: record.acquiredAtMs,
      released: record.released,
    };
  },
  decodeManifest(bytes, key): DecodedManifest {
    const manifest = decodeManifest(bytes, key);
    return {
      token: manifest.fencingToken,
      durablePosition: manifest.resumeLsn,
      objects: [
        ...(manifest.snapshot ? [manifest.snapshot.key] : []),
        ...manifest.segments.map((segment) => segment.key),
      ],
      writer: manifest.writerId,
      commitSeq: manifest.commitSeq,
    };
  },
};

function writerOf(context: WriterContext, seams: Partial<LeaseSeams>): WriterRole {
  const { store, prefix, clock } = context;
  const lease = openLease({
    store,
    prefix,
    dbId: context.dbId,
    holder: context.holder,
    clock,
    logger: context.logger,
    onAcquired: (claim) => context.events.acquired(claim),
    ttlMs: context.leaseTtlMs,
    takeoverGraceMs: context.takeoverGraceMs,
    ...(context.faults ? { faults: context.faults } : {}),
    seams: {
      ...seams,
      ...(context.acquireTimeoutMs !== undefined ? { acquireTimeoutMs: context.acquireTimeoutMs } : {}),
    },
  });
  const commit = async (state: unknown, sizeBytes: number, faults?: FaultPoints): Promise<CommitAck> => {
    const base = state as VersionedManifest;
    const token = lease.fencingToken;
    const startLsn = base.manifest.resumeLsn;
    const endLsn = startLsn + sizeBytes;
    const segmentKey = `${prefix}/wal/${token}-${startLsn}-${endLsn}`;
    const next: Manifest = {
      ...base.manifest,
      fencingToken: token,
      writerId: lease.holder,
      commitSeq: base.manifest.commitSeq + 1,
      segments: [
        ...base.manifest.segments,
        {
          key: segmentKey,
          startLsn,
          endLsn,
          bytes: sizeBytes,
          sha256: `sha-${segmentKey}`,
          fencingToken: token,
        },
      ],
      resumeLsn: endLsn,
    };
    const committed = await commitFenced(
      { store, manifestKey: manifestKey(prefix), lease, retry: { clock }, faults },
      base,
      next,
    );
    return { manifest: committed, objectKey: segmentKey, commitSeq: next.commitSeq };
  };
  return {
    get holder() {
      return lease.holder;
    },
    get fencingToken() {
      return lease.fencingToken;
    },
    acquire: (early) => lease.acquire(early as VersionedManifest | null | undefined) as Promise<AcquiredRole>,
    renew: () => lease.renew(),
    release: () => lease.release(),
    commit,
    close: async () => undefined,
  };
}

/** blobsim's engine; `seams` are the lease seams a forensic variant replaces. */
export function blobsimBinding(seams: Partial<LeaseSeams> = {}): EngineBinding {
  return {
    name: "blobsim",
    ...blobsimDecoders,
    keys: (prefix) => ({ lease: leaseKey(prefix), manifest: manifestKey(prefix) }),
    openWriter: (context) => writerOf(context, seams),
    readEarly: ({ store, prefix, clock }) => readManifest(store, manifestKey(prefix), { clock }),
  };
}
