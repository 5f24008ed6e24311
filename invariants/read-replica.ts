/**
 * Read replica checkers (E2D-1), over what the harness saw independently of the replica:
 *
 * - the manifest commits, in the store's apply order (SimBlobStore.history), each decoded from
 *   the bytes its writer sent;
 * - every writer's applied writes in WAL order, each with the flush LSN right after it;
 * - every read a client got from a replica (rows, or a StaleReplicaError refusal);
 * - every store call a replica made (issue and answer times, ok or not).
 *
 * The database state of each commit is rebuilt from the writes alone: a commit that leaves the
 * data references as they were (a fence stamp) keeps the previous state; any other is its
 * writer's base (the state it took over at its fence stamp) plus its writes whose flush LSN the
 * commit's resumeLsn covers. Then, for a read served at simulated time t:
 *
 * - replica-ahead-of-durable: the rows served, byte for byte, are the state of some commit that
 *   landed at or before t. Anything else is newer than durable, or was never durable at all (a
 *   fenced zombie's range, an upload whose CAS had not landed);
 * - replica-behind-lag-bound: that commit is not older than the last one that landed at or
 *   before t − maxLagMs;
 * - replica-position: the commitSeq the replica says it serves has exactly that state;
 * - replica-refused-while-fresh: a StaleReplicaError is allowed only if the replica had no
 *   clean poll (a manifest GET issued at or after t − maxLagMs whose calls all answered ok
 *   before t).
 */
import { createHash } from "node:crypto";
import type { Row } from "../engine/db/database.ts";
import type { Manifest } from "../engine/manifest/manifest.ts";

export interface ManifestCommit {
  /** Simulated time the manifest write applied in the store: durable from here. */
  atMs: number;
  manifest: Manifest;
}

export interface AppliedWrite {
  rows: readonly Row[];
  /** The writer database's flush LSN right after this write. */
  postLsn: number;
}

export type ReplicaReadRecord =
  | { replica: string; atMs: number; outcome: "served"; rows: readonly Row[]; commitSeq: number }
  | { replica: string; atMs: number; outcome: "stale" };

export interface ReplicaStoreCall {
  replica: string;
  op: string;
  key: string;
  issuedAtMs: number;
  /** Null while unanswered. */
  answeredAtMs: number | null;
  ok: boolean;
}

export interface CommitState {
  commitSeq: number;
  atMs: number;
  rows: ReadonlyMap<string, Uint8Array>;
  fingerprint: string;
}

export type ReplicaInvariant =
  | "replica-ahead-of-durable"
  | "replica-behind-lag-bound"
  | "replica-position"
  | "replica-refused-while-fresh"
  | "replica-oracle";

export interface ReplicaProblem {
  invariant: ReplicaInvariant;
  message: string;
}

const encoder = new TextEncoder();

/** A digest of a state's rows, byte for byte, independent of row order. */
export function fingerprintRows(rows: Iterable<readonly [string, Uint8Array]>): string {
  const sorted = [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const [key, value] of sorted) {
    const keyBytes = encoder.encode(key);
    hash.update(`${keyBytes.length}:${value.length}:`);
    hash.update(keyBytes);
    hash.update(value);
  }
  return hash.digest("hex");
}

function dataKey(manifest: Manifest | null): string {
  if (manifest === null) return "";
  return [manifest.snapshot?.key ?? "", ...manifest.segments.map((segment) => segment.key)].join("|");
}

/** The state of every commit (index = commitSeq; 0 is the empty database before any). */
export function commitStates(
  commits: readonly ManifestCommit[],
  writes: ReadonlyMap<string, readonly AppliedWrite[]>,
): { states: CommitState[]; problems: ReplicaProblem[] } {
  const problems: ReplicaProblem[] = [];
  const empty = new Map<string, Uint8Array>();
  const states: CommitState[] = [
    { commitSeq: 0, atMs: Number.NEGATIVE_INFINITY, rows: empty, fingerprint: fingerprintRows(empty) },
  ];
  const bases = new Map<string, ReadonlyMap<string, Uint8Array>>();
  let previous: Manifest | null = null;
  for (const [index, commit] of commits.entries()) {
    const manifest = commit.manifest;
    const last = states[states.length - 1]!;
    if (manifest.commitSeq !== index + 1)
      problems.push({
        invariant: "replica-oracle",
        message: `manifest write #${index + 1} carries commitSeq ${manifest.commitSeq}`,
      });
    const writer = manifest.writerId ?? "";
    if (previous?.writerId !== manifest.writerId) bases.set(writer, last.rows);
    let rows: ReadonlyMap<string, Uint8Array> = last.rows;
    if (dataKey(previous) !== dataKey(manifest)) {
      const base = bases.get(writer);
      if (!base) {
        problems.push({
          invariant: "replica-oracle",
          message: `commit ${manifest.commitSeq} by ${writer} changed data without a fence stamp of its own`,
        });
      }
      const next = new Map(base ?? empty);
      for (const write of writes.get(writer) ?? []) {
        if (write.postLsn > manifest.resumeLsn) break;
        for (const row of write.rows) {
          if (row.value === null) next.delete(row.key);
          else next.set(row.key, row.value);
        }
      }
      rows = next;
    }
    states.push({
      commitSeq: manifest.commitSeq,
      atMs: commit.atMs,
      rows,
      fingerprint: rows === last.rows ? last.fingerprint : fingerprintRows(rows),
    });
    previous = manifest;
  }
  return { states, problems };
}

/** Index of the last state durable at or before `atMs` (states are in apply order). */
function lastDurableAt(states: readonly CommitState[], atMs: number): number {
  let found = 0;
  for (let index = 0; index < states.length; index++) if (states[index]!.atMs <= atMs) found = index;
  return found;
}

function difference(rows: readonly Row[], state: CommitState): string {
  const served = new Map(rows.filter((row) => row.value !== null).map((row) => [row.key, row.value!]));
  for (const [key, value] of state.rows) {
    const got = served.get(key);
    if (!got) return `${key} missing`;
    if (fingerprintRows([[key, got]]) !== fingerprintRows([[key, value]])) return `${key} differs`;
  }
  for (const key of served.keys()) if (!state.rows.has(key)) return `${key} extra`;
  return "no difference";
}

/** Every problem with the replicas' reads; empty when each is allowed. */
export function checkReplicaReads(input: {
  states: readonly CommitState[];
  reads: readonly ReplicaReadRecord[];
  calls: readonly ReplicaStoreCall[];
  manifestKey: string;
  maxLagMsOf: (replica: string) => number;
}): ReplicaProblem[] {
  const { states, reads, calls, manifestKey } = input;
  const problems: ReplicaProblem[] = [];
  const byFingerprint = new Map<string, number[]>();
  for (const [index, state] of states.entries()) {
    const list = byFingerprint.get(state.fingerprint) ?? [];
    list.push(index);
    byFingerprint.set(state.fingerprint, list);
  }
  const polls = cleanPolls(calls, manifestKey);
  for (const read of reads) {
    const maxLagMs = input.maxLagMsOf(read.replica);
    const where = `${read.replica} at ${read.atMs} ms`;
    if (read.outcome === "stale") {
      const fresh = (polls.get(read.replica) ?? []).find(
        (poll) => poll.issuedAtMs >= read.atMs - maxLagMs && poll.doneAtMs < read.atMs,
      );
      if (fresh)
        problems.push({
          invariant: "replica-refused-while-fresh",
          message: `${where} refused a read as stale, but its poll issued at ${fresh.issuedAtMs} ms completed cleanly at ${fresh.doneAtMs} ms (lag bound ${maxLagMs} ms)`,
        });
      continue;
    }
    const fingerprint = fingerprintRows(
      read.rows.filter((row) => row.value !== null).map((row) => [row.key, row.value!] as const),
    );
    const newest = lastDurableAt(states, read.atMs);
    const oldest = lastDurableAt(states, read.atMs - maxLagMs);
    const matches = byFingerprint.get(fingerprint) ?? [];
    const durable = matches.filter((index) => index <= newest);
    if (durable.length === 0) {
      const later = matches.find((index) => index > newest);
      problems.push({
        invariant: "replica-ahead-of-durable",
        message:
          later !== undefined
            ? `${where} served the state of commit ${later}, which landed only at ${states[later]!.atMs} ms`
            : `${where} served a state no commit ever had (claims commitSeq ${read.commitSeq}; vs the latest durable commit ${newest}: ${difference(read.rows, states[newest]!)})`,
      });
      continue;
    }
    const best = Math.max(...durable);
    if (best < oldest) {
      problems.push({
        invariant: "replica-behind-lag-bound",
        message: `${where} served commit ${best}, but commit ${oldest} was durable at ${states[oldest]!.atMs} ms, more than its lag bound (${maxLagMs} ms) before the read`,
      });
      continue;
    }
    const claimed = states[read.commitSeq];
    if (!claimed || read.commitSeq > newest || claimed.fingerprint !== fingerprint)
      problems.push({
        invariant: "replica-position",
        message: `${where} says it serves commitSeq ${read.commitSeq}, whose state is not the one it served (it matches commit ${best})`,
      });
  }
  return problems;
}

interface CleanPoll {
  issuedAtMs: number;
  doneAtMs: number;
}

/** Per replica, the polls whose every store call (manifest GET onwards) answered ok. */
function cleanPolls(calls: readonly ReplicaStoreCall[], manifestKey: string): Map<string, CleanPoll[]> {
  const byReplica = new Map<string, ReplicaStoreCall[]>();
  for (const call of calls) {
    const list = byReplica.get(call.replica) ?? [];
    list.push(call);
    byReplica.set(call.replica, list);
  }
  const result = new Map<string, CleanPoll[]>();
  for (const [replica, list] of byReplica) {
    const polls: CleanPoll[] = [];
    let current: { issuedAtMs: number; doneAtMs: number; clean: boolean } | null = null;
    const close = () => {
      if (current?.clean) polls.push({ issuedAtMs: current.issuedAtMs, doneAtMs: current.doneAtMs });
    };
    for (const call of list) {
      if (call.op === "get" && call.key === manifestKey) {
        close();
        current = { issuedAtMs: call.issuedAtMs, doneAtMs: call.issuedAtMs, clean: true };
      }
      if (current === null) continue;
      if (!call.ok || call.answeredAtMs === null) current.clean = false;
      else current.doneAtMs = Math.max(current.doneAtMs, call.answeredAtMs);
    }
    close();
    result.set(replica, polls);
  }
  return result;
}
