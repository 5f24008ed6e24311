/** The named fault points of the replication executors (engine/fault-points.ts), in run order. */
export const REPLICATION_FAULT_POINTS = [
  {
    name: "replication.catch-up.after-begin",
    description: "catch-up started and its target frozen, nothing shipped yet (pins held)",
  },
  {
    name: "replication.catch-up.after-batch",
    description: "a WAL batch acked by the replica, its progress not yet recorded",
  },
  {
    name: "replication.catch-up.before-complete",
    description: "catch-up converged, completion not yet recorded",
  },
  {
    name: "replication.rebuild.after-transfer",
    description: "base transfer acked, not yet recorded (snapshot+tail: no tail replayed)",
  },
  {
    name: "replication.rebuild.before-complete",
    description: "rebuild reached its target, completion not yet recorded",
  },
] as const;

export type ReplicationFaultPoint = (typeof REPLICATION_FAULT_POINTS)[number]["name"];
