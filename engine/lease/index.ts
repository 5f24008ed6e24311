/** The writer lease and fencing: acquire, renew, takeover, release, fenced commits. */
export * from "./fenced-commit.ts";
export * from "./lease-record.ts";
export * from "./lease.ts";
export { FencedError } from "../manifest/errors.ts";
