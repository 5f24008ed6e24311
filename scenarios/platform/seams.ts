/**
 * The platform area's seams: the service program's own settings that a forensic variant may put
 * back to a broken value (never flags in engine code).
 */
import type { Manifest } from "../../engine/manifest/manifest.ts";

export interface PlatformSeams {
  /** Relaxed mode's idle-flush backstop. Real: 25 s, below the 60 s lease TTL (B05). */
  idleFlushMs: number;
  /** Exit code of a cold-start probe's forced restart. Real: 0, a clean exit (B06). */
  probeRestartExitCode: number;
  /**
   * The E5 soak's retention GC: which data objects a manifest still needs (everything else is
   * deleted). Real: the soak's manifestReferences (snapshot, its WAL ranges, previous snapshot).
   */
  retentionReferences?: (manifest: Manifest) => ReadonlySet<string>;
}
