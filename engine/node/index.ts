/**
 * The engine assembled: openWriter, and the role interfaces a scenario or a foreign engine holds
 * (the writer lease, the committer, the restorer) so a second implementation can stand in.
 */
export * from "./open-lease.ts";
export * from "./open-writer.ts";
export type { Acquired, WriterLease } from "../lease/writer-lease.ts";
export type { Restorer, RestoreOptions, RestoreResult } from "../restore/restore.ts";
export type { Committer } from "../wal/durable-database.ts";
export * from "./roles.ts";
export { blobsimBinding, blobsimDecoders } from "./blobsim-binding.ts";
