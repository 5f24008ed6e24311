/** The retention engine: a peer-cursor-gated retention floor with an explicit gap signal. */
export * from "./config.ts";
export * from "./errors.ts";
export * from "./floor.ts";
export * from "./host.ts";
export * from "./memory-storage.ts";
export * from "./op-id.ts";
export * from "./plausibility.ts";
export * from "./pruner.ts";
export * from "./seams.ts";
export * from "./storage.ts";
export * from "./sweep-client.ts";
export * from "./sweep-server.ts";
export * from "./blob-storage.ts";
