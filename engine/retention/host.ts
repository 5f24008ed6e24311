/**
 * Host names as the peer registry and our own configuration spell them may differ in case and in
 * a trailing slash ("Node1.Example/" vs "node1.example"). Every comparison of hosts goes through
 * this normalization, or our own host shows up as a peer with no cursor and blocks all retention.
 */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\/+$/, "");
}
