import { describe, expect, it } from "vitest";
import { AccessError, NotFoundError } from "./blobstore/errors.ts";

describe("instanceof by name", () => {
  class MissingCredentials extends AccessError {
    override name = "MissingCredentials";
  }

  it("holds for a subclass's instance, as plain instanceof does, and not the other way round", () => {
    const missing = new MissingCredentials("no token", "");
    expect(missing instanceof AccessError).toBe(true);
    expect(missing instanceof MissingCredentials).toBe(true);
    expect(new AccessError("refused", "") instanceof MissingCredentials).toBe(false);
    expect(missing instanceof NotFoundError).toBe(false);
  });

  it("holds for an error of another copy of the class (same name)", () => {
    // What a config loaded through its own module loader throws: a look-alike class.
    const copy = new (class extends Error {
      override name = "NotFoundError";
    })("gone");
    expect(copy instanceof NotFoundError).toBe(true);
    expect(copy instanceof AccessError).toBe(false);
  });
});
