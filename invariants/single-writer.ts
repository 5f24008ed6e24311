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
 */
import { decodeLease, type LeaseRecord } from "../engine/lease/lease-record.ts";
import { decodeManifest, type Manifest } from "../engine/manifest/manifest.ts";
import type { TraceEvent } from "../sim/trace.ts";
import type { World } from "../sim/world.ts";
import type { LeaseClaim, SingleWriterTap, TappedWrite } from "./single-writer-tap.ts";

export const SINGLE_WRITER = "single-writer";

interface LeaseWrite {
  write: TappedWrite;
  record: LeaseRecord;
}

interface ManifestWrite {
  write: TappedWrite;
  manifest: Manifest;
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
  return `commit #${manifest.commitSeq} (token ${manifest.fencingToken}) by ${manifest.writerId ?? "nobody"} at ${write.mutation.atMs} ms`;
}

/** Returns the number of violations reported through `world.violate`. */
export function checkSingleWriter(world: World, tap: SingleWriterTap): number {
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
        leaseWrites.push({ write, record: decodeLease(write.bytes, write.mutation.key) });
      else manifestWrites.push({ write, manifest: decodeManifest(write.bytes, write.mutation.key) });
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
    if (previousLease && record.fencingToken < previousLease.record.fencingToken)
      violate(
        `lease token went backwards: ${previousLease.record.holder} held ${previousLease.record.fencingToken}, then ${record.holder} wrote ${record.fencingToken}`,
        [writeEvent(previousLease.write, "lease"), writeEvent(entry.write, "lease")],
      );
    const owner = holderOfToken.get(record.fencingToken);
    if (owner && owner.record.holder !== record.holder)
      violate(
        `lease token ${record.fencingToken} granted to two holders: ${owner.record.holder} and ${record.holder}`,
        [writeEvent(owner.write, "lease"), writeEvent(entry.write, "lease")],
      );
    if (!owner) holderOfToken.set(record.fencingToken, entry);
    previousLease = entry;
  }

  // 2 and 3. Manifest history.
  let previous: ManifestWrite | undefined;
  for (const entry of manifestWrites) {
    const { manifest } = entry;
    if (previous) {
      if (manifest.fencingToken < previous.manifest.fencingToken)
        violate(`manifest token went backwards: ${describeCommit(previous)}, then ${describeCommit(entry)}`, [
          writeEvent(previous.write, "commit"),
          writeEvent(entry.write, "commit"),
        ]);
      if (manifest.commitSeq !== previous.manifest.commitSeq + 1)
        violate(
          `manifest commitSeq did not advance by one: ${describeCommit(previous)}, then ${describeCommit(entry)} (a commit built on a stale manifest)`,
          [writeEvent(previous.write, "commit"), writeEvent(entry.write, "commit")],
        );
    }
    const lease = holderOfToken.get(manifest.fencingToken);
    if (
      !lease ||
      lease.record.holder !== manifest.writerId ||
      lease.write.mutation.atMs > entry.write.mutation.atMs
    )
      violate(
        `${describeCommit(entry)} carries a token its writer never won in the lease (token ${manifest.fencingToken} belongs to ${lease?.record.holder ?? "nobody"})`,
        [writeEvent(entry.write, "commit"), ...(lease ? [writeEvent(lease.write, "lease")] : [])],
      );
    previous = entry;
  }

  // 4. Superseded writers: a claim with a higher token, made before the write applied.
  for (const entry of manifestWrites) {
    const at = entry.write.mutation.atMs;
    const generation = entry.write.mutation.generation;
    const newer = tap.claims.find(
      (claim) => claim.fencingToken > entry.manifest.fencingToken && claim.atMs < at,
    );
    if (!newer) continue;
    // The claimant's own stamp must have preceded its claim; a write after the claim from an
    // older token means both could advance the manifest.
    violate(
      `${describeCommit(entry)} applied after ${newer.holder} (token ${newer.fencingToken}) acquired the lease at ${newer.atMs} ms: two holders could both advance the manifest (superseded writer ${entry.manifest.writerId ?? "nobody"}, store generation ${generation})`,
      [claimEvent(newer), writeEvent(entry.write, "commit")],
    );
  }
  return violations;
}
