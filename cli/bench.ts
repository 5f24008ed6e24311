import { allBenches } from "../bench/bench.ts";
import { UsageError } from "../harness/seeds.ts";
import { parse } from "./args.ts";

export const benchHelp = `blobsim bench [NAME...]
Throughput benchmarks, one key=value per line. Names: ${allBenches.map((b) => b.name).join(", ")}.`;

export async function benchCommand(args: string[]): Promise<number> {
  const parsed = parse(args, {});
  const unknown = parsed.positionals.filter((name) => !allBenches.some((b) => b.name === name));
  if (unknown.length > 0) throw new UsageError(`unknown bench: ${unknown.join(", ")}`);
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
