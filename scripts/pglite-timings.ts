/**
 * E2-2's timings table: runs the PGlite round-trip scenarios (1, 10 and, with --all, 100 MB) on
 * one seed each and prints dump, compressed size, upload and restore figures as a Markdown
 * table. Usage: npx tsx scripts/pglite-timings.ts [--all] [--seed N]
 * Wall times depend on the machine; simulated times come from the store's latency model.
 */
import { runSeed } from "../harness/run-seed.ts";

const args = process.argv.slice(2);
const seedAt = args.indexOf("--seed");
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 0;
const sizes = args.includes("--all") ? [1, 10, 100] : [1, 10];
const MB = 1024 * 1024;
const mb = (bytes: number | string | undefined) => (Number(bytes) / MB).toFixed(1);

console.log(
  "| data | rows | data dir (MB) | dump wall (ms) | snapshot gz (MB) | upload sim (ms) | restore sim (ms) | restore wall (ms) | restore peak buffer (KB) | result |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const size of sizes) {
  const { result } = await runSeed(`pglite.e2-roundtrip-${size}mb`, seed);
  const m = result.metrics;
  console.log(
    `| ${size} MB | ${m.rows} | ${mb(m.dataDirBytes)} | ${m.dumpWallMs} | ${mb(m.snapshotBytes)} | ${m.uploadSimMs} | ${m.restoreSimMs} | ${m.restoreWallMs} | ${Number(m.restorePeakBufferedBytes) / 1024} | ${result.status} |`,
  );
}
