/**
 * Checkers for the retention floor (RET-1..RET-6), over what the simulated world observed: every
 * op appended and when it was pruned, every op each peer applied, every cursor write on either
 * side, every response the primary served, and the active peer set each retention tick used.
 *
 * Invariants (each failure is a named violation with the events behind it):
 * - retention-floor: no op is deleted that an active peer (as the tick was told) has neither
 *   applied nor moved its durable cursor past.
 * - retention-cursor-plausible: no cursor table ever persists an implausible or unparseable
 *   value as a peer cursor.
 * - retention-snapshot: a served body is exactly the history above max(cursor, watermark): no
 *   op between them was pruned behind the watermark's back.
 * - retention-no-silent-skip: every op at or below a peer's durable cursor was applied, or was
 *   pruned before the peer's first contact, or is covered by an explicit gap the peer recorded
 *   and that had really been pruned when it was recorded.
 * - retention-liveness: once faults stop, every peer catches up to the head.
 * - retention-bounded-size: once every peer caught up, nothing older than the cutoff remains in
 *   physical storage; with retention off nothing is ever deleted.
 */
import { parseOpId, tryParseOpId } from "../engine/retention/op-id.ts";
import type { PlausibilityWindow } from "../engine/retention/plausibility.ts";
import type { CursorValue } from "../engine/retention/storage.ts";
import type { TraceEvent } from "../sim/trace.ts";
import type { World } from "../sim/world.ts";

interface HistoryEntry {
  id: string;
  timeMs: number;
  prunedAtMs: number | null;
}

interface GapRecord {
  fromId: string | null;
  throughId: string;
  atMs: number;
}

interface PeerRecord {
  applied: Set<string>;
  durable: string | null;
  gaps: GapRecord[];
  firstPersistAtMs: number | null;
}

export interface OracleOptions {
  window: PlausibilityWindow;
  /** The largest clock offset of any process: plausibility is judged on true time plus this. */
  maxClockOffsetMs: number;
}

export class RetentionOracle {
  private readonly history: HistoryEntry[] = [];
  private readonly byId = new Map<string, HistoryEntry>();
  private readonly peers = new Map<string, PeerRecord>();
  private tickActive: string[] = [];
  private deletes = 0;
  private reported = new Set<string>();

  constructor(
    private readonly world: World,
    private readonly options: OracleOptions,
  ) {}

  addPeer(host: string): void {
    this.peers.set(host, { applied: new Set(), durable: null, gaps: [], firstPersistAtMs: null });
  }

  get deletedCount(): number {
    return this.deletes;
  }

  onAppend(id: string): void {
    const entry = { id, timeMs: parseOpId(id).timeMs, prunedAtMs: null };
    this.history.push(entry);
    this.byId.set(id, entry);
  }

  onApply(host: string, id: string): void {
    this.peer(host).applied.add(id);
  }

  /** The active hosts (normalized) a retention tick was given. */
  onTickActive(hosts: readonly string[]): void {
    this.tickActive = hosts.filter((host) => this.peers.has(host));
  }

  onDelete(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.byId.get(id);
      if (!entry) continue;
      entry.prunedAtMs = this.world.nowMs;
      this.deletes++;
      for (const host of this.tickActive) {
        const peer = this.peer(host);
        if (peer.applied.has(id) || (peer.durable !== null && peer.durable >= id)) continue;
        this.once(
          "retention-floor",
          `${host}`,
          `deleted op ${id} that active peer ${host} still needs (cursor ${peer.durable})`,
        );
      }
    }
  }

  /** A cursor written into a cursor table; `side` names the table's owner. */
  onCursorPut(side: string, host: string, value: CursorValue, isPeerRow: boolean): void {
    if (!isPeerRow) return;
    for (const [role, id] of [
      ["cursor", value.lastId],
      ["gap", value.gap?.throughId ?? null],
    ] as const) {
      if (id === null) continue;
      const why = this.implausible(id);
      if (why) {
        this.once(
          "retention-cursor-plausible",
          `${side}:${host}:${id}`,
          `${side} persisted an implausible ${role} for ${host}: ${JSON.stringify(id)} (${why})`,
        );
      }
    }
  }

  /** A write to a peer's own cursor for the primary: its durable progress. */
  onPeerPersist(host: string, value: CursorValue): void {
    const peer = this.peer(host);
    peer.durable = value.lastId;
    peer.firstPersistAtMs ??= this.world.nowMs;
    if (value.gap) peer.gaps.push({ ...value.gap, atMs: this.world.nowMs });
  }

  /** A response as the primary produced it (before the network touched it). */
  onServe(
    host: string,
    after: string | null,
    prunedThroughId: string | null,
    ops: readonly { id: string }[],
  ): void {
    const last = ops.at(-1);
    if (!last) return;
    const low = [after, prunedThroughId].reduce<string | null>(
      (a, b) => (b !== null && (a === null || b > a) ? b : a),
      null,
    );
    const served = new Set(ops.map((op) => op.id));
    for (const entry of this.history) {
      if (low !== null && entry.id <= low) continue;
      if (entry.id > last.id) break;
      if (!served.has(entry.id)) {
        this.once(
          "retention-snapshot",
          `${host}:${entry.id}`,
          `served ${host} a body above ${low} skipping op ${entry.id} (pruned behind the watermark ${prunedThroughId})`,
        );
        return;
      }
    }
  }

  checkNoSilentSkip(): void {
    for (const [host, peer] of this.peers) {
      if (peer.durable === null) continue;
      for (const entry of this.history) {
        if (entry.id > peer.durable) break;
        if (peer.applied.has(entry.id)) continue;
        const pruned = entry.prunedAtMs;
        if (pruned !== null && peer.firstPersistAtMs !== null && pruned <= peer.firstPersistAtMs) continue;
        const covered = peer.gaps.some(
          (gap) =>
            (gap.fromId === null || gap.fromId < entry.id) &&
            entry.id <= gap.throughId &&
            pruned !== null &&
            pruned <= gap.atMs,
        );
        if (!covered) {
          this.once(
            "retention-no-silent-skip",
            host,
            `peer ${host} is past op ${entry.id} (cursor ${peer.durable}) without applying it or an honest gap`,
          );
          break;
        }
      }
    }
  }

  checkCaughtUp(): void {
    const head = this.history.at(-1)?.id ?? null;
    if (head === null) return;
    for (const [host, peer] of this.peers) {
      if (peer.durable === null || peer.durable < head) {
        this.once(
          "retention-liveness",
          host,
          `peer ${host} did not catch up: cursor ${peer.durable}, head ${head}`,
        );
      }
    }
  }

  /**
   * After the final ticks: physical rows match what is not pruned, and nothing older than the
   * cutoff every peer's cursor allows remains. With retention off, nothing was deleted.
   */
  checkBoundedSize(
    physicalRows: number,
    retentionMs: number | null,
    marginMs: number,
    lastTickMs: number,
  ): void {
    const retained = this.history.filter((entry) => entry.prunedAtMs === null);
    if (physicalRows !== retained.length) {
      this.once(
        "retention-bounded-size",
        "rows",
        `physical rows ${physicalRows} but ${retained.length} not pruned`,
      );
      return;
    }
    if (retentionMs === null) {
      if (this.deletes > 0)
        this.once("retention-bounded-size", "off", `retention off yet ${this.deletes} ops deleted`);
      return;
    }
    let floorMs = Number.POSITIVE_INFINITY;
    for (const peer of this.peers.values()) {
      if (peer.durable === null) return; // a peer that never synced rightly blocks everything
      floorMs = Math.min(floorMs, parseOpId(peer.durable).timeMs - marginMs);
    }
    const cutoffMs = Math.min(lastTickMs - retentionMs, floorMs);
    const stale = retained.filter((entry) => entry.timeMs < cutoffMs);
    if (stale.length > 0) {
      this.once(
        "retention-bounded-size",
        "stale",
        `${stale.length} of ${retained.length} retained ops are older than the cutoff (first ${stale[0]!.id}): retention never freed them`,
      );
    }
  }

  private implausible(value: string): string | null {
    const parsed = tryParseOpId(value);
    if (parsed === null) return "unparseable";
    const nowMs = this.world.epochMs + this.world.nowMs;
    if (parsed.timeMs > nowMs + this.options.window.maxFutureSkewMs + this.options.maxClockOffsetMs)
      return "far-future";
    if (parsed.timeMs < this.options.window.dataEpochMs) return "before-data-epoch";
    return null;
  }

  private peer(host: string): PeerRecord {
    const peer = this.peers.get(host);
    if (!peer) throw new Error(`oracle: unknown peer ${host}`);
    return peer;
  }

  /** One violation per (invariant, subject): a broken run reports its first proof, not a flood. */
  private once(invariant: string, subject: string, message: string, events: TraceEvent[] = []): void {
    const key = `${invariant}|${subject}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.world.violate(invariant, message, events);
  }
}
