/** The replication engine's public surface. */
export * from "./budget.ts";
export * from "./engine.ts";
export * from "./errors.ts";
export * from "./executor.ts";
export * from "./history.ts";
export * from "./planner.ts";
export * from "./rebuild.ts";
export * from "./recovery-log.ts";
export * from "./registry.ts";
export * from "./sender.ts";
export * from "./session.ts";
export * from "./storage.ts";
export * from "./strategies.ts";
export * from "./types.ts";
