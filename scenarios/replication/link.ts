/**
 * The engine's ReplicaLink over the simulated network: the primary node calls the replica at
 * the endpoint address the executor's context names. Stop-and-wait with bounded retries; base
 * transfers report how far they got instead of hiding a short transfer.
 */
import { type LinkContext, type ReplicaLink, TransportError } from "../../engine/replication/index.ts";
import type { SimNetwork } from "../../sim/network.ts";
import type { ReplicaReply, ReplicaRequest, WalEntry } from "../../sim/replica.ts";
import type { Rng } from "../../sim/rng.ts";
import type { PrimaryWal } from "./primary.ts";

export interface LinkOptions {
  callTimeoutMs: number;
  retriesMax: number;
  baseChunkEntries: number;
  /** Chance that a stream ack over-reports the replica's flushed LSN (beyond what was asked). */
  overReportRate: number;
  /** Draws the over-reports (the link's own fork of the seed). */
  rng: Rng;
}

export class SimReplicaLink implements ReplicaLink {
  /** Called before every call with the context it carries (the stale-epoch checker). */
  onSend: (context: LinkContext, op: string) => void = () => undefined;
  /** Called before every WAL stream with the range it asks for (the frozen-target checker). */
  onStream: (context: LinkContext, toInclusive: number) => void = () => undefined;

  constructor(
    private readonly network: SimNetwork,
    private readonly fromNode: string,
    private readonly primary: PrimaryWal,
    private readonly options: LinkOptions,
  ) {}

  async handshake(context: LinkContext): Promise<number> {
    const reply = await this.callWithRetries(context, {
      op: "handshake",
      epoch: context.epoch,
      sessionId: context.sessionId,
    });
    return reply.flushedLsn;
  }

  async streamWal(context: LinkContext, fromExclusive: number, toInclusive: number): Promise<number> {
    this.onStream(context, toInclusive);
    const entries = this.primary.readWal(context, fromExclusive, toInclusive);
    const reply = await this.callOnce(context, {
      op: "stream",
      epoch: context.epoch,
      sessionId: context.sessionId,
      entries,
    });
    // The link fault: the ack claims more than the replica holds, often past the frozen target.
    if (this.options.overReportRate > 0 && this.options.rng.chance(this.options.overReportRate))
      return reply.flushedLsn + this.options.rng.int(1, 12);
    return reply.flushedLsn;
  }

  async truncate(context: LinkContext, toLsn: number): Promise<number> {
    const reply = await this.callWithRetries(context, {
      op: "truncate",
      epoch: context.epoch,
      sessionId: context.sessionId,
      toLsn,
    });
    return reply.flushedLsn;
  }

  transferSnapshot(context: LinkContext, snapshotLsn: number): Promise<number> {
    return this.transferBase(context, "snapshot", snapshotLsn);
  }

  transferFullBase(context: LinkContext, lsn: number): Promise<number> {
    return this.transferBase(context, "full_base", lsn);
  }

  /** Sends the base in LSN order; returns the LSN the acked chunks cover. */
  private async transferBase(
    context: LinkContext,
    kind: "snapshot" | "full_base",
    baseLsn: number,
  ): Promise<number> {
    const entries = this.primary.readBase(context, kind, baseLsn);
    const chunks: WalEntry[][] = [];
    for (let i = 0; i < entries.length; i += this.options.baseChunkEntries)
      chunks.push(entries.slice(i, i + this.options.baseChunkEntries));
    if (chunks.length === 0) chunks.push([]);
    let reached = 0;
    for (let index = 0; index < chunks.length; index++) {
      const chunk = chunks[index]!;
      try {
        await this.callWithRetries(context, {
          op: "base",
          epoch: context.epoch,
          sessionId: context.sessionId,
          baseLsn,
          index,
          count: chunks.length,
          entries: chunk,
        });
      } catch {
        return reached; // short transfer: report how far the base got
      }
      reached = index === chunks.length - 1 ? baseLsn : chunk[chunk.length - 1]!.lsn;
    }
    return reached;
  }

  private async callWithRetries(
    context: LinkContext,
    request: ReplicaRequest,
  ): Promise<Extract<ReplicaReply, { ok: true }>> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.options.retriesMax; attempt++) {
      try {
        return await this.callOnce(context, request);
      } catch (error) {
        if (error instanceof TransportError && error.message.startsWith("refused")) throw error;
        last = error;
      }
    }
    throw new TransportError(
      `${request.op} to ${context.endpoint.dataAddr} failed: ${last instanceof Error ? last.message : String(last)}`,
    );
  }

  private async callOnce(
    context: LinkContext,
    request: ReplicaRequest,
  ): Promise<Extract<ReplicaReply, { ok: true }>> {
    if (!context.stillCurrent())
      throw new TransportError(`refused locally: session ${context.sessionId} is no longer current`);
    this.onSend(context, request.op);
    const reply = (await this.network.call(
      this.fromNode,
      context.endpoint.dataAddr,
      request,
      this.options.callTimeoutMs,
    )) as ReplicaReply;
    if (!reply.ok) throw new TransportError(`refused by replica: ${reply.refused}`);
    return reply;
  }
}
