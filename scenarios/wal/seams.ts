/** The WAL area's seams: the engine's own strategy records, any part replaceable. */
import type { ModelDatabaseOptions } from "../../engine/db/model/model-database.ts";
import type { RestoreStrategy } from "../../engine/restore/restore.ts";
import type { WalStrategy } from "../../engine/wal/strategy.ts";

export type WalSeams = Partial<WalStrategy>;
export type DbSeams = Partial<Pick<ModelDatabaseOptions, "danglingHeaderProbability" | "recycledFilesMax">>;
export type RestoreSeams = Partial<RestoreStrategy>;
