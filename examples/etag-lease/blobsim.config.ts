/**
 * The example engine under blobsim: `npx blobsim run --config examples/etag-lease/blobsim.config.ts`
 * runs every lease.* scenario on it; `hunt --config … --variant ETAG-1` finds its first bug.
 */
import { bindingVariant, defineConfig } from "../../api/index.ts";
import { etagBinding } from "./binding.ts";

export default defineConfig({
  bindings: { "etag-lease": etagBinding() },
  include: ["lease.*"],
  variants: [
    bindingVariant({
      id: "ETAG-1",
      title:
        "the heartbeat renews with a blind write: a paused owner's late heartbeat overwrites its successor's lease",
      scenarios: ["lease.zombie", "lease.contenders"],
      invariant: "single-writer",
      binding: etagBinding(
        { writeRenewal: (store, key, bytes) => store.put(key, bytes).then((version) => version) },
        "etag-lease@blind-heartbeat",
      ),
    }),
    bindingVariant({
      id: "ETAG-2",
      title: "a new owner serves without stamping HEAD: an older owner's in-flight commit still lands",
      scenarios: ["lease.zombie", "lease.contenders"],
      invariant: "single-writer",
      binding: etagBinding({ fenceOnAcquire: false }, "etag-lease@no-fence"),
    }),
  ],
});
