/**
 * The decision log: every fault decision of a run (which store request fails and how, which
 * random kill fires, which network message is lost, each component's swarm draw) goes through
 * one point, `World.decide(site, draw, neutral)`, which records it here, or, under a plan,
 * forces it.
 *
 * A decision is named by its site (`store:blobstore.fault`, `killplan.random-point`, ...) and its
 * index among that site's decisions in the run (0-based). Only decisions that differ from their
 * neutral value (the no-fault outcome: "none", false) are kept, so a log lists the faults a run
 * took, not every request it made. A swarm draw has no neutral value and is always kept.
 *
 * The draw is made even when the plan forces the answer, so a forced decision never shifts the
 * random streams of the decisions after it: a plan that forces every logged decision to the
 * value it logged reruns the seed event for event.
 *
 * A plan's `others` says what an unforced decision does: "draw" takes the seeded draw (replay a
 * seed with a few decisions changed), "neutral" takes the no-fault value (a shrunk plan: exactly
 * the faults it lists happen, and no others). A swarm draw absent from a plan is drawn either way.
 */
import { z } from "zod";
import type { TraceFields, TraceValue } from "./trace.ts";

export type DecisionValue = string | number | boolean | Record<string, TraceValue>;

export interface Decision {
  site: string;
  /** Which of the site's decisions in this run (0-based, counting neutral ones too). */
  index: number;
  value: DecisionValue;
  /** Simulated time of the decision. */
  atMs: number;
  /** What the decision was about (process, operation, key), to explain it; not matched. */
  detail?: TraceFields;
}

const traceValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const decisionValue = z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), traceValue)]);

/** One logged decision, as a result row (`run --json`) or a plan file carries it. */
export const decisionSchema = z.object({
  site: z.string().min(1),
  index: z.number().int().min(0),
  value: decisionValue,
  atMs: z.number(),
  detail: z.record(z.string(), traceValue).optional(),
});

export const decisionPlanSchema = z.object({
  version: z.literal(1),
  scenario: z.string().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  variant: z.string().min(1).nullable().optional(),
  others: z.enum(["draw", "neutral"]),
  /** The run had BUGGIFY on (its buggify decisions mean nothing without it). */
  buggify: z.boolean().optional(),
  // A hand-written plan may leave out when each decision was taken: only site and index match.
  decisions: z.array(decisionSchema.extend({ atMs: z.number().optional() })),
});

/** A plan file: the decisions to force, and what every other decision does. */
export type DecisionPlan = z.infer<typeof decisionPlanSchema>;

/** A plan that cannot be used: malformed, or a forced value of the wrong kind for its site. */
export class DecisionPlanError extends Error {
  override name = "DecisionPlanError";
}

/** Reads a plan from parsed JSON, with one clear message naming the first problem. */
export function parseDecisionPlan(json: unknown, source = "plan"): DecisionPlan {
  const parsed = decisionPlanSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new DecisionPlanError(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

function keyOf(site: string, index: number): string {
  return `${site}#${index}`;
}

export class DecisionLog {
  /** The non-neutral decisions taken, in the order they were taken. */
  readonly entries: Decision[] = [];
  private readonly counts = new Map<string, number>();
  private readonly forced = new Map<string, DecisionValue>();
  private readonly others: DecisionPlan["others"];

  constructor(plan?: DecisionPlan) {
    this.others = plan?.others ?? "draw";
    for (const decision of plan?.decisions ?? [])
      this.forced.set(keyOf(decision.site, decision.index), decision.value);
  }

  /**
   * One decision at `site`: drawn by `draw` (always called, so streams stay aligned), forced
   * by the plan when it names this (site, index), else neutral under an "others: neutral" plan.
   * `neutral` undefined: the decision has no no-fault value (a swarm draw).
   */
  decide<T extends DecisionValue>(
    site: string,
    draw: () => T,
    neutral: T | undefined,
    atMs: number,
    detail?: TraceFields,
  ): T {
    const index = this.counts.get(site) ?? 0;
    this.counts.set(site, index + 1);
    const drawn = draw();
    let value: T = drawn;
    const forced = this.forced.get(keyOf(site, index));
    if (forced !== undefined) {
      if (typeof forced !== typeof drawn)
        throw new DecisionPlanError(
          `plan forces ${site} #${index} to ${JSON.stringify(forced)}, but that site decides a ${typeof drawn}`,
        );
      value = forced as T;
    } else if (this.others === "neutral" && neutral !== undefined) {
      value = neutral;
    }
    if (neutral === undefined || value !== neutral) {
      const entry: Decision = { site, index, value, atMs };
      if (detail !== undefined) entry.detail = detail;
      this.entries.push(entry);
    }
    return value;
  }
}

/** Swarm draws are configuration, not faults: a shrink keeps them and drops faults. */
export function isSwarmDecision(decision: Pick<Decision, "site">): boolean {
  return decision.site.startsWith("swarm:");
}

/** One line saying what a decision does, for `shrink` and `replay --plan`. */
export function describeDecision(decision: Decision): string {
  const d = decision.detail ?? {};
  const at = `at ${decision.atMs} ms`;
  if (isSwarmDecision(decision)) {
    const fields = Object.entries(decision.value as Record<string, TraceValue>)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    return `${decision.site.slice("swarm:".length)} drew ${fields}`;
  }
  if (decision.site.endsWith(".fault")) {
    const what: Record<string, string> = {
      transient: "answered 503 before applying (nothing written)",
      timeout: "timed out at the caller (a mutation may still apply)",
      ambiguousBefore: "lost before its apply point (answered ambiguous, not applied)",
      ambiguousAfter: "lost after its apply point (applied, answered ambiguous)",
    };
    return `${d.process} ${d.op} ${d.key} ${what[String(decision.value)] ?? String(decision.value)} ${at}`;
  }
  if (decision.site.startsWith("killplan.random-"))
    return `${d.process} killed at ${d.point}${d.key ? ` ${d.key}` : ""} ${at}`;
  if (decision.site.startsWith("net."))
    return `network ${decision.site.slice(4)} ${Object.entries(d)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")} ${at}`;
  return `${decision.site} = ${JSON.stringify(decision.value)}${Object.keys(d).length ? ` ${JSON.stringify(d)}` : ""} ${at}`;
}
