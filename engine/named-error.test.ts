import { describe, expect, it } from "vitest";
import { AccessError, NotFoundError } from "./blobstore/errors.ts";
import { FencedError } from "./manifest/errors.ts";

class MissingKeyError extends AccessError {
  override name = "MissingKeyError";
}

describe("errors matched by name", () => {
  it("a subclass is its base class, a base class is not its subclass, siblings differ", () => {
    const missing = new MissingKeyError("no key", "");
    expect(missing).toBeInstanceOf(MissingKeyError);
    expect(missing).toBeInstanceOf(AccessError);
    expect(new AccessError("refused", "")).not.toBeInstanceOf(MissingKeyError);
    expect(missing).not.toBeInstanceOf(NotFoundError);
  });

  it("an error of a second copy of the class (same name, other module instance) matches", () => {
    // What a config's own module loader produces: a distinct class object with the same name.
    const copy = new (class FencedError extends Error {
      override name = "FencedError";
    })("fenced elsewhere");
    expect(copy).toBeInstanceOf(FencedError);
    expect(new Error("plain")).not.toBeInstanceOf(FencedError);
  });
});
