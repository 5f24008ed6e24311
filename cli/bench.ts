import { allBenches } from "../bench/bench.ts";
import { UsageError } from "../harness/seeds.ts";
import { didYouMean } from "./did-you-mean.ts";
import { type Options, parse } from "./args.ts";

export const benchHelp = `blobsim bench [NAME...]
Throughput benchmarks, one key=value per line. Names: ${allBenches.map((b) => b.name).join(", ")}.`;

export const benchFlags: Options = {};

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
  const chosen =
    parsed.positionals.length > 0
      ? allBenches.filter((b) => parsed.positionals.includes(b.name))
      : allBenches;
  for (const bench of chosen) {
    const figures = await bench.run();
    for (const [key, value] of Object.entries(figures)) console.log(`${key}=${value}`);
  }
  return 0;
}
