/**
 * Runs the loopback GCS fake on its own, for trying the live path offline:
 *   npx tsx adapters/gcs/testing/serve-fake-gcs.ts        # prints the endpoint
 *   BLOBSIM_GCS_BUCKET=blobsim-test BLOBSIM_GCS_TOKEN=loopback-token \
 *     BLOBSIM_GCS_ENDPOINT=<endpoint> npm run test:live
 * Stops on SIGINT/SIGTERM.
 */
import { FakeGcsServer } from "./fake-gcs-server.ts";
import { LOOPBACK_BUCKET, LOOPBACK_TOKEN } from "./loopback-store.ts";

const server = await FakeGcsServer.start({ buckets: [LOOPBACK_BUCKET], validTokens: [LOOPBACK_TOKEN] });
console.log(`endpoint=${server.baseUrl} bucket=${LOOPBACK_BUCKET} token=${LOOPBACK_TOKEN}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
