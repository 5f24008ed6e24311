/** `blobsim <command> --help`: the command's usage and prose, then every flag with its description. */
import type { Options } from "./args.ts";

export function helpText(usage: string, flags: Options): string {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const value = spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : "";
    return [`--${name}${value}${spec.multiple ? " ..." : ""}`, spec.description] as const;
  });
  if (rows.length === 0) return usage;
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = rows.map(([left, description]) => `  ${left.padEnd(width)}  ${description}`);
  return `${usage}\n\noptions:\n${lines.join("\n")}\n  ${"--help".padEnd(width)}  this text`;
}
