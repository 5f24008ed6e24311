/** The manifest: schema, codec, CAS commit and fence stamp. See manifest.ts for the schema. */
export * from "./cas.ts";
export * from "./errors.ts";
export * from "./manifest.ts";
