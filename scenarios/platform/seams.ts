/**
 * The platform area's seams: the service program's own settings that a forensic variant may put
 * back to a broken value (never flags in engine code).
 */
export interface PlatformSeams {
  /** Relaxed mode's idle-flush backstop. Real: 25 s, below the 60 s lease TTL (B05). */
  idleFlushMs: number;
  /** Exit code of a cold-start probe's forced restart. Real: 0, a clean exit (B06). */
  probeRestartExitCode: number;
}
