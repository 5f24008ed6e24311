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
  {
    name: "lease.slow-before-claim",
    description: "a taker that saw the lease takeable stalls before claiming it",
  },
  {
    name: "lease.slow-release",
    description: "a release stalls before its write (the lease looks held longer)",
  },
  {
    name: "write.slow-before-sync",
    description: "a write stalls between applying its rows and shipping them",
  },
  { name: "write.slow-ack", description: "a shipped write stalls before its ack reaches the caller" },
  { name: "terminate.slow-flush", description: "SIGTERM's flush starts late" },
  { name: "idle-flush.late", description: "the relaxed-mode idle flush fires late (a busy event loop)" },
  { name: "open.slow-after-take", description: "a new writer stalls between taking over and restoring" },
  {
    name: "open.slow-after-restore",
    description: "a new writer stalls between restoring and opening its shipper",
  },
  { name: "open.slow-after-shipper", description: "a new writer stalls before serving its first write" },
  {
    name: "backup.slow-before-manifest-read",
    description: "a backup stalls before reading the source manifest",
  },
  { name: "backup.slow-before-index-cas", description: "a backup stalls before appending its index entry" },
  { name: "backup.slow-before-object", description: "a backup stalls before copying an object" },
  { name: "backup.slow-after-object", description: "a backup stalls after copying an object" },
  {
    name: "retention.slow-before-retire",
    description: "backup retention stalls before retiring entries in the index",
  },
  {
    name: "retention.slow-before-delete",
    description: "backup retention stalls between retiring and deleting objects",
  },
];
