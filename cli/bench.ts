import { allBenches, profileBench } from "../bench/bench.ts";
import { parseCount, UsageError } from "../harness/seeds.ts";
import { didYouMean } from "./did-you-mean.ts";
import { type Options, parse } from "./args.ts";

export const benchHelp = `blobsim bench [NAME...] [--profile] [--schedules N]
Throughput benchmarks, one key=value per line. Names: ${allBenches.map((b) => b.name).join(", ")}
(without names: all but ${allBenches
  .filter((b) => b.onlyWhenNamed)
  .map((b) => b.name)
  .join(", ")}, which runs only when named).`;

export const benchFlags: Options = {
  profile: {
    type: "boolean",
    description:
      "where a wal.e2b-kill-points seed's time goes: a CPU profile's share per layer (kernel, store model, engine, checkers, trace, setup), printed after the named benches (alone if none is named)",
  },
  schedules: {
    type: "string",
    value: "N",
    description: "kill schedules for crash-peer, run on both sides (default 10)",
  },
};

export async function benchCommand(args: string[]): Promise<number> {
  const parsed = parse(args, benchFlags);
  const unknown = parsed.positionals.filter((name) => !allBenches.some((b) => b.name === name));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown bench: ${unknown.join(", ")}${unknown
        .map((name) =>
          didYouMean(
            name,
            allBenches.map((b) => b.name),
          ),
        )
        .join("")}`,
    );
  const schedules =
    typeof parsed.values.schedules === "string"
      ? parseCount(parsed.values.schedules, "--schedules")
      : undefined;
  const profile = parsed.values.profile === true;
  const chosen =
    parsed.positionals.length > 0
      ? allBenches.filter((b) => parsed.positionals.includes(b.name))
      : profile
        ? []
        : allBenches.filter((b) => !b.onlyWhenNamed);
  const print = (figures: Record<string, number | string>) => {
    for (const [key, value] of Object.entries(figures)) console.log(`${key}=${value}`);
  };
  for (const bench of chosen) print(await bench.run({ schedules }));
  if (profile) print(await profileBench());
  return 0;
}
