/**
 * The node registry the primary asks which peers exist and which are active. Fault model: it
 * learns liveness only by polling health every `healthPollMs`; a peer down for longer than
 * `inactiveGraceMs` at a poll is dropped from the active set (so the floor may pass it), and a
 * peer that came back is active again only from the next poll on. Host spellings in the
 * registry may differ from a node's own configuration (case, trailing slash).
 */
export class PeerRegistry {
  private readonly active = new Set<string>();
  private readonly downSinceMs = new Map<string, number>();

  constructor(
    /** Every node as the registry spells it, the primary included. */
    readonly hosts: readonly string[],
    private readonly isAlive: (host: string) => boolean,
    private readonly inactiveGraceMs: number,
  ) {
    for (const host of hosts) this.active.add(host);
  }

  /** One health poll at simulated time `nowMs`. Returns the hosts whose state changed. */
  poll(nowMs: number): string[] {
    const changed: string[] = [];
    for (const host of this.hosts) {
      if (this.isAlive(host)) {
        this.downSinceMs.delete(host);
        if (!this.active.has(host)) {
          this.active.add(host);
          changed.push(host);
        }
        continue;
      }
      const since = this.downSinceMs.get(host) ?? nowMs;
      this.downSinceMs.set(host, since);
      if (nowMs - since >= this.inactiveGraceMs && this.active.delete(host)) changed.push(host);
    }
    return changed;
  }

  activeHosts(): string[] {
    return this.hosts.filter((host) => this.active.has(host));
  }
}
