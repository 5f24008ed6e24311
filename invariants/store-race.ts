/**
 * Races on one key, judged from the store's own history, not from what the racers believe:
 * of the racers' conditional writes, exactly one applied (none only when no racer was refused
 * with 412 either, i.e. every attempt was lost before applying); a racer told "ok" is that
 * winner; the winner was never told 412, nor a failure that promises nothing was applied.
 */
import type { StoreMutation } from "../sim/blob-store.ts";

export const RACE_INVARIANT = "store-race-one-winner";

/** What a racer was told: ok, 412, an error that leaves the outcome open, or nothing (killed). */
export type RacerBelief = "ok" | "412" | "unknown" | "killed" | "error";

export interface RaceRound {
  round: number;
  key: string;
  kind: "create" | "cas";
  /** Racer process name → what it was told. */
  beliefs: ReadonlyMap<string, RacerBelief>;
}

export function checkRaceRound(history: readonly StoreMutation[], race: RaceRound): string[] {
  const problems: string[] = [];
  const where = `${race.kind} race round ${race.round} on ${race.key}`;
  const applied = history.filter((m) => m.key === race.key && m.op === "put" && race.beliefs.has(m.process));
  const winners = applied.map((m) => m.process);
  const refused = [...race.beliefs.values()].filter((belief) => belief === "412").length;
  if (winners.length > 1)
    problems.push(`${where}: ${winners.length} racers' writes applied (${winners.join(", ")})`);
  if (winners.length === 0 && refused > 0)
    problems.push(`${where}: no racer's write applied, yet ${refused} were refused with 412`);
  for (const [racer, belief] of race.beliefs) {
    if (belief === "ok" && !winners.includes(racer))
      problems.push(`${where}: ${racer} was told ok, but the store applied no write of it`);
    if (belief === "412" && winners.includes(racer))
      problems.push(`${where}: ${racer} was told 412, but its write applied`);
    if (belief === "error" && winners.includes(racer))
      problems.push(`${where}: ${racer} was told its write failed (not applied), but it applied`);
  }
  return problems;
}
