/**
 * Single writer (FEN-1, FEN-2), judged from what the store applied to the lease and manifest
 * objects (in apply order, with their content) and from when writers came to believe they hold
 * the lease. Checked:
 *
 * 1. lease tokens never go backwards, and one token belongs to one holder;
 * 2. manifest fencing tokens never go backwards and commitSeq advances by exactly one per write;
 * 3. every manifest write carries a token its writer won in the lease object before it;
 * 4. no manifest write by a superseded holder: once a holder with token t' believes it holds
 *    the lease (acquire returned, so it may advance the manifest), no write with a lower token
 *    applies (that would be two holders who both believe and both can advance the manifest).
 *
 * Each violation names both writers, the commit, and cites trace events rebuilt from the
 * records (time, process, what).
 *
 * Format-free: the bytes are read through the binding's decoders (blobsim's formats by default).
 * Assumed of a foreign format: lease tokens grow with each grant; the manifest carries the token
 * of the writer that wrote it. Checks that need `writer` or `commitSeq` are skipped when the
 * decoded manifest has none.
 */
import { blobsimDecoders } from "../engine/node/blobsim-binding.ts";
import type { DecodedLease, DecodedManifest, RecordDecoders } from "../engine/node/roles.ts";
import type { TraceEvent } from "../sim/trace.ts";
import type { World } from "../sim/world.ts";
import type { LeaseClaim, SingleWriterTap, TappedWrite } from "./single-writer-tap.ts";

export const SINGLE_WRITER = "single-writer";

interface LeaseWrite {
  write: TappedWrite;
  record: DecodedLease;
}

interface ManifestWrite {
  write: TappedWrite;
  manifest: DecodedManifest;
}

function writeEvent(write: TappedWrite, what: string): TraceEvent {
  const { mutation } = write;
  return {
    t: mutation.atMs,
    p: mutation.process,
    k: "store.applied",
    f: { key: mutation.key, version: mutation.version, what, answerLost: mutation.answerLost },
  };
}

function claimEvent(claim: LeaseClaim): TraceEvent {
  return {
    t: claim.atMs,
    p: claim.process,
    k: "lease.acquired",
    f: { holder: claim.holder, fencingToken: claim.fencingToken },
  };
}

function describeCommit(entry: ManifestWrite): string {
  const { manifest, write } = entry;
  const seq =
    manifest.commitSeq === undefined ? `at position ${manifest.durablePosition}` : `#${manifest.commitSeq}`;
  return `commit ${seq} (token ${manifest.token}) by ${manifest.writer ?? "nobody"} at ${write.mutation.atMs} ms`;
}

/** Returns the number of violations reported through `world.violate`. */
export function checkSingleWriter(
  world: World,
  tap: SingleWriterTap,
  decoders: RecordDecoders = blobsimDecoders,
): number {
  let violations = 0;
  const violate = (message: string, events: TraceEvent[]): void => {
    violations++;
    world.violate(SINGLE_WRITER, message, events);
  };
  const leaseWrites: LeaseWrite[] = [];
  const manifestWrites: ManifestWrite[] = [];
  for (const write of tap.writes) {
    // Corrupt objects are not written by the engine; if one is, that is a finding too.
    try {
      if (write.mutation.key === tap.leaseKey)
        leaseWrites.push({ write, record: decoders.decodeLease(write.bytes, write.mutation.key) });
      else manifestWrites.push({ write, manifest: decoders.decodeManifest(write.bytes, write.mutation.key) });
    } catch (error) {
      violate(`undecodable write: ${error instanceof Error ? error.message : String(error)}`, [
        writeEvent(write, "undecodable"),
      ]);
    }
  }

  // 1. Lease tokens.
  const holderOfToken = new Map<number, LeaseWrite>();
  let previousLease: LeaseWrite | undefined;
  for (const entry of leaseWrites) {
    const { record } = entry;
    if (previousLease && record.token < previousLease.record.token)
      violate(
        `lease token went backwards: ${previousLease.record.holder} held ${previousLease.record.token}, then ${record.holder} wrote ${record.token}`,
        [writeEvent(previousLease.write, "lease"), writeEvent(entry.write, "lease")],
      );
    const owner = holderOfToken.get(record.token);
    if (owner && owner.record.holder !== record.holder)
      violate(
        `lease token ${record.token} granted to two holders: ${owner.record.holder} and ${record.holder}`,
        [writeEvent(owner.write, "lease"), writeEvent(entry.write, "lease")],
      );
    if (!owner) holderOfToken.set(record.token, entry);
    previousLease = entry;
  }

  // 2 and 3. Manifest history.
  let previous: ManifestWrite | undefined;
  for (const entry of manifestWrites) {
    const { manifest } = entry;
    if (previous) {
      if (manifest.token < previous.manifest.token)
        violate(`manifest token went backwards: ${describeCommit(previous)}, then ${describeCommit(entry)}`, [
          writeEvent(previous.write, "commit"),
          writeEvent(entry.write, "commit"),
        ]);
      const { commitSeq } = manifest;
      const previousSeq = previous.manifest.commitSeq;
      if (commitSeq !== undefined && previousSeq !== undefined && commitSeq !== previousSeq + 1)
        violate(
          `manifest commitSeq did not advance by one: ${describeCommit(previous)}, then ${describeCommit(entry)} (a commit built on a stale manifest)`,
          [writeEvent(previous.write, "commit"), writeEvent(entry.write, "commit")],
        );
    }
    const lease = holderOfToken.get(manifest.token);
    if (
      !lease ||
      (manifest.writer !== undefined && lease.record.holder !== manifest.writer) ||
      lease.write.mutation.atMs > entry.write.mutation.atMs
    )
      violate(
        `${describeCommit(entry)} carries a token its writer never won in the lease (token ${manifest.token} belongs to ${lease?.record.holder ?? "nobody"})`,
        [writeEvent(entry.write, "commit"), ...(lease ? [writeEvent(lease.write, "lease")] : [])],
      );
    previous = entry;
  }

  // 4. Superseded writers: a claim with a higher token, made before the write applied.
  for (const entry of manifestWrites) {
    const at = entry.write.mutation.atMs;
    const generation = entry.write.mutation.generation;
    const newer = tap.claims.find((claim) => claim.fencingToken > entry.manifest.token && claim.atMs < at);
    if (!newer) continue;
    // The claimant's own stamp must have preceded its claim; a write after the claim from an
    // older token means both could advance the manifest.
    violate(
      `${describeCommit(entry)} applied after ${newer.holder} (token ${newer.fencingToken}) acquired the lease at ${newer.atMs} ms: two holders could both advance the manifest (superseded writer ${entry.manifest.writer ?? "nobody"}, store generation ${generation})`,
      [claimEvent(newer), writeEvent(entry.write, "commit")],
    );
  }
  return violations;
}
