/**
 * Builds fixtures/pglite/empty-datadir.tar.gz: a freshly initdb'd PGlite (Postgres 18) data
 * directory, checkpointed, as a canonical gzipped tar. New databases start from it in well under
 * a second instead of running initdb (≈ 4 s) every time. Run with `npm run build:pglite-datadir`.
 *
 * The template databases are dropped (nothing here creates databases). To keep the fixture small, WAL pages that lie wholly before the checkpoint's redo point are
 * zeroed: recovery starts at the redo point and never reads them (the segment's first page,
 * whose long header is validated on every segment switch, is kept).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { gunzipSync, gzipSync } from "fflate";
import { EMPTY_DATADIR_FILE as EMPTY_DATADIR_PATH } from "../scenarios/pglite/empty-datadir.ts";
import { DataDir } from "../engine/db/pglite/data-dir.ts";
import { readTar } from "../engine/db/pglite/tar.ts";
import { parseLsn, walSegmentName, WAL_PAGE_BYTES, WAL_SEGMENT_BYTES } from "../engine/db/pglite/lsn.ts";

const started = performance.now();
const db = await PGlite.create();
// Only the "postgres" database is used (PGlite connects to it): the two templates would triple
// the relation files every snapshot, restore and start-up has to move.
for (const template of ["template0", "template1"]) {
  await db.exec(`ALTER DATABASE ${template} WITH is_template false`);
  await db.exec(`DROP DATABASE ${template}`);
}
await db.exec("VACUUM FULL");
await db.exec("CHECKPOINT");
const checkpoint = await db.query<{ redo_lsn: string; timeline_id: number }>(
  "SELECT redo_lsn::text, timeline_id FROM pg_control_checkpoint()",
);
const row = checkpoint.rows[0]!;
const redoLsn = parseLsn(row.redo_lsn);
const dump = await db.dumpDataDir("none");
await db.close();

const dir = DataDir.fromEntries(readTar(new Uint8Array(await dump.arrayBuffer())));
const segment = walSegmentName(row.timeline_id, redoLsn);
const wal = dir.readFile(`/pg_wal/${segment}`);
if (!wal || wal.length !== WAL_SEGMENT_BYTES) throw new Error(`missing WAL segment ${segment}`);
const redoPageStart =
  Number(redoLsn % WAL_SEGMENT_BYTES) - (Number(redoLsn % WAL_SEGMENT_BYTES) % WAL_PAGE_BYTES);
wal.fill(0, WAL_PAGE_BYTES, redoPageStart);
for (const stale of dir.filePaths("/pg_wal/"))
  if (!stale.endsWith(segment) && !stale.includes("/archive_status") && !stale.includes("/summaries"))
    dir.remove(stale);

const tar = dir.toTar();
const gz = gzipSync(tar, { level: 9, mtime: 0 });
if (gunzipSync(gz).length !== tar.length) throw new Error("gzip round trip failed");
mkdirSync(dirname(EMPTY_DATADIR_PATH), { recursive: true });
writeFileSync(EMPTY_DATADIR_PATH, gz);
console.log(
  `wrote ${EMPTY_DATADIR_PATH} bytes=${gz.length} tar_bytes=${tar.length} redo=${row.redo_lsn} md5=${dir.md5()} wall_s=${((performance.now() - started) / 1000).toFixed(1)}`,
);
