/** Cold backups: archiver, CAS'd backup index, retention GC, restore and rebuild, auto-backup. */
export * from "./archiver.ts";
export * from "./auto-backup.ts";
export * from "./backup-index.ts";
export * from "./backup-manifest.ts";
export * from "./errors.ts";
export * from "./fault-points.ts";
export * from "./restore-from-backup.ts";
export * from "./retention.ts";
