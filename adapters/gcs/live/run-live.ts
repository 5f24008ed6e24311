/**
 * `npm run test:live`: the BlobStore conformance suite and the E0/E1 probes against a real
 * bucket. Without BLOBSIM_GCS_BUCKET and credentials it runs nothing and says why (exit 0);
 * with them it hands over to vitest with the live-only config.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { liveEnvironment } from "./live-environment.ts";

const environment = liveEnvironment(process.env);
if (!environment.ready) {
  console.log(`test:live skipped: ${environment.reason}.`);
  console.log(
    "To run: BLOBSIM_GCS_BUCKET=my-bucket BLOBSIM_GCS_TOKEN=$(gcloud auth print-access-token) npm run test:live",
  );
  process.exit(0);
}
const config = fileURLToPath(new URL("../../vitest.live.config.ts", import.meta.url));
const vitest = spawnSync("npx", ["vitest", "run", "--config", config, ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(vitest.status ?? 1);
