/** The named fault points of cold backups and their retention GC (engine/fault-points.ts). */
export const BACKUP_FAULT_POINTS = [
  { name: "backup.before-object", description: "a backup object is about to be copied to the backup store" },
  {
    name: "backup.after-object",
    description: "a backup object is written, the backup index does not name it yet (the B14 window)",
  },
  { name: "backup.before-index-cas", description: "every object written, the index append not yet sent" },
  {
    name: "backup.after-index-cas",
    description: "the index names the new backup; nothing after it is needed",
  },
  {
    name: "backup-gc.before-delete",
    description: "retention retired a backup in the index; one of its objects is about to be deleted",
  },
  {
    name: "backup-gc.after-delete",
    description: "one object of a retired backup deleted, others may remain",
  },
] as const;

export type BackupFaultPoint = (typeof BACKUP_FAULT_POINTS)[number]["name"];

export const BACKUP_KILL_POINTS: readonly BackupFaultPoint[] = [
  "backup.before-object",
  "backup.after-object",
  "backup.before-index-cas",
  "backup.after-index-cas",
];

export const BACKUP_GC_KILL_POINTS: readonly BackupFaultPoint[] = [
  "backup-gc.before-delete",
  "backup-gc.after-delete",
];
