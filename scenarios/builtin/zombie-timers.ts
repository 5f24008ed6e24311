/**
 * Kernel self-test 2: the semantics every later scenario leans on. A process sleeps, races
 * timeouts with cancellation, and is paused (a zombie) and resumed, then killed. Checked from
 * the process's own observations and the trace: no sleep returns early, an aborted sleep rejects
 * and never resolves, nothing of a paused process runs until it resumes, nothing of a killed
 * process runs ever again, and the skewed clock reads true time plus its offset.
 */
import type { Rng } from "../../sim/rng.ts";
import type { Scenario } from "../scenario.ts";

export interface ZombiePlan {
  pauseAtMs: number;
  pauseForMs: number;
  killAtMs: number;
  clockOffsetMs: number;
  [key: string]: number;
}

/** A plan this scenario cannot carry out (a kill drawn before the pause it follows has ended). */
export class ImpossiblePlanError extends Error {
  override name = "ImpossiblePlanError";
}

/**
 * The fault plan: pause the subject at pauseAtMs for pauseForMs, then kill it at killAtMs. The
 * kill must come after the resume. Seed 1000283 once drew pauseAt 399 + pauseFor 513 against a
 * kill at 900 (a negative sleep, a crash of the whole run); such draws now kill at the same
 * distance past the resume, and every plan that was already possible is drawn as before.
 */
export function drawZombiePlan(rng: Rng): ZombiePlan {
  const pauseAtMs = rng.int(50, 400);
  const pauseForMs = rng.int(1, 600);
  const drawnKillAtMs = rng.int(900, 1500);
  const clockOffsetMs = rng.int(-5000, 5000);
  const resumeAtMs = pauseAtMs + pauseForMs;
  const killAtMs = drawnKillAtMs > resumeAtMs ? drawnKillAtMs : resumeAtMs + 1 + (drawnKillAtMs - 900);
  return checkZombiePlan({ pauseAtMs, pauseForMs, killAtMs, clockOffsetMs });
}

export function checkZombiePlan(plan: ZombiePlan): ZombiePlan {
  if (!(plan.pauseAtMs > 0 && plan.pauseForMs > 0))
    throw new ImpossiblePlanError(`zombie plan: pause at ${plan.pauseAtMs} ms for ${plan.pauseForMs} ms`);
  if (!(plan.killAtMs > plan.pauseAtMs + plan.pauseForMs))
    throw new ImpossiblePlanError(
      `zombie plan: kill at ${plan.killAtMs} ms is not after the resume at ${plan.pauseAtMs + plan.pauseForMs} ms`,
    );
  return plan;
}

export const zombieTimers: Scenario = {
  id: "kernel.zombie-timers",
  title: "Kernel self-test: sleeps, timeouts with cancellation, pause/resume and kill semantics",
  criteria: ["DUR-4"],
  lane: "sim",
  defaultSeeds: 200,
  async run({ world }) {
    const plan = world.draw("zombie", drawZombiePlan);
    const subject = world.spawn("subject", { clockOffsetMs: plan.clockOffsetMs });
    const problems: string[] = [];
    let pausedFrom = -1;
    let pausedUntil = -1;
    let ranAfterKill = false;

    void subject.start(async (self) => {
      for (let round = 0; ; round++) {
        const sleepMs = self.rng.int(0, 80);
        const before = world.nowMs;
        const controller = new AbortController();
        const timeoutMs = self.rng.int(0, 100);
        const cancelTimeout = self.setTimer(timeoutMs, "timeout", () =>
          controller.abort(new Error("timeout")),
        );
        const outcome = await self.sleep(sleepMs, controller.signal).then(
          () => "slept",
          () => "aborted",
        );
        cancelTimeout();
        const elapsed = world.nowMs - before;
        if (!subject.alive) ranAfterKill = true;
        if (outcome === "slept" && elapsed < sleepMs)
          problems.push(`round ${round}: slept ${elapsed} < ${sleepMs} ms`);
        if (outcome === "aborted" && elapsed < Math.min(timeoutMs, sleepMs))
          problems.push(`round ${round}: aborted early`);
        const insidePause =
          pausedFrom >= 0 && world.nowMs > pausedFrom && (pausedUntil < 0 || world.nowMs < pausedUntil);
        if (insidePause) problems.push(`round ${round}: ran while paused`);
        const skew = self.clock.nowMs() - world.epochMs - world.nowMs;
        if (skew !== plan.clockOffsetMs) problems.push(`clock skew ${skew} != ${plan.clockOffsetMs}`);
      }
    });

    const controller = world.spawn("controller");
    void controller.start(async (self) => {
      await self.sleep(plan.pauseAtMs);
      pausedFrom = world.nowMs;
      subject.pause();
      await self.sleep(plan.pauseForMs);
      pausedUntil = world.nowMs;
      subject.resume();
      await self.sleep(plan.killAtMs - world.nowMs);
      subject.kill();
    });

    await world.run({ maxEvents: 100_000 });
    const killEvent = world.trace.events().find((e) => e.p === "subject" && e.k === "proc.kill");
    const lateEvents = world.trace
      .events()
      .filter((e) => e.p === "subject" && killEvent && e.t > killEvent.t);
    if (ranAfterKill || lateEvents.length > 0) problems.push("the killed process ran again");
    for (const problem of problems) world.violate("kernel-semantics", problem);
    return { metrics: { events: world.trace.count } };
  },
};
