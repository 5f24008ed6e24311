import { describe } from "vitest";
import { seedTests } from "../../harness/vitest.ts";
import { readReplicaFollowManifest } from "./follow-manifest.ts";

// The checker's teeth are shown by the forensic variants RR01 and RR02
// (fixtures/forensic/read-replica-variants.test.ts) and invariants/read-replica.test.ts.
describe("read-replica.follow-manifest", () => {
  seedTests(readReplicaFollowManifest, { from: 0, seeds: 8 });
});
