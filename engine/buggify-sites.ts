/**
 * BUGGIFY sites: places in engine code where production could be slow or unlucky, and the
 * simulation makes it so now and then (`buggify(faults, site)`, engine/runtime.ts). Each site
 * is enabled per run with p = 0.25 and then fires with p = 0.25 at each visit (FoundationDB's
 * rule), as decisions of the run's log. Production never fires one.
 */
import type { FaultPointInfo } from "./fault-points.ts";

export const ENGINE_BUGGIFY_SITES: readonly FaultPointInfo[] = [
  { name: "commit.slow-before-data-put", description: "a commit stalls before uploading its data object" },
  {
    name: "commit.slow-before-cas",
    description: "a commit stalls between its data PUT and its manifest CAS",
  },
  { name: "commit.slow-before-ack", description: "a commit stalls between its manifest CAS and its ack" },
  {
    name: "lease.slow-before-stamp",
    description: "a lease winner stalls before fence-stamping the manifest",
  },
  { name: "lease.slow-renew", description: "a renewal stalls before its CAS (renews closer to expiry)" },
  { name: "lease.poll-late", description: "a waiting taker polls the lease late" },
];
