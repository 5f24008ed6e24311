/** The named fault points of a commit, in the order a commit passes them (engine/fault-points.ts). */
export const WAL_FAULT_POINTS = [
  {
    name: "commit.before-segment-put",
    description: "commit planned, its data object (WAL range or snapshot) not yet uploaded",
  },
  { name: "commit.after-segment-put", description: "data object uploaded, manifest not yet touched" },
  {
    name: "commit.before-manifest-cas",
    description: "next manifest built, its conditional write not yet sent",
  },
  {
    name: "commit.after-cas-before-ack",
    description: "manifest CAS landed (the commit is durable), no client acked yet",
  },
  { name: "commit.after-ack", description: "clients acked; nothing after the ack is needed for durability" },
] as const;

export type WalFaultPoint = (typeof WAL_FAULT_POINTS)[number]["name"];

/** The commit kill points E2B-1 demands to be hit. */
export const COMMIT_KILL_POINTS: readonly WalFaultPoint[] = WAL_FAULT_POINTS.map((point) => point.name);
