/** The read replica: follows the manifest, serves reads within a lag bound. See read-replica.ts. */
export * from "./errors.ts";
export * from "./overlay-disk.ts";
export * from "./read-replica.ts";
export * from "./strategy.ts";
