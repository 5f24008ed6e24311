/**
 * While a seed runs, an exception thrown in a microtask (`uncaughtException`) or a promise
 * rejection nobody handled (`unhandledRejection`) belongs to that seed: it is reported to the
 * seed's world as a crash instead of killing the thread (the CLI) or being blamed on whatever
 * test vitest runs next. The thread's own listeners are set aside while any seed runs and put
 * back when the last one ends. Node emits both events before the next macrotask, and the
 * scheduler fires one event per macrotask, so the crash lands at the event that caused it.
 *
 * Seeds normally run one per thread; if several run at once in one thread (a test's
 * Promise.all), a crash cannot be told apart and is reported to each of them.
 */

type CrashSink = (where: string, thrown: unknown) => void;

const TRAPPED = ["uncaughtException", "unhandledRejection"] as const;
const sinks = new Set<CrashSink>();
type Listener = (...args: unknown[]) => void;
let setAside: Map<(typeof TRAPPED)[number], Listener[]> | null = null;

const onUncaught = (thrown: unknown) => {
  for (const sink of sinks) sink("uncaught exception", thrown);
};
const onUnhandled = (reason: unknown) => {
  for (const sink of sinks) sink("unhandled rejection", reason);
};

function install(): void {
  setAside = new Map();
  for (const event of TRAPPED) {
    setAside.set(event, process.listeners(event as "uncaughtException") as Listener[]);
    process.removeAllListeners(event);
  }
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);
}

function uninstall(): void {
  process.removeListener("uncaughtException", onUncaught);
  process.removeListener("unhandledRejection", onUnhandled);
  for (const [event, listeners] of setAside ?? [])
    for (const listener of listeners) process.on(event as "uncaughtException", listener);
  setAside = null;
}

/** Runs `body` with stray exceptions of this thread reported to `sink`. */
export async function withCrashTrap<T>(sink: CrashSink, body: () => Promise<T>): Promise<T> {
  if (sinks.size === 0) install();
  sinks.add(sink);
  try {
    return await body();
  } finally {
    sinks.delete(sink);
    if (sinks.size === 0) uninstall();
  }
}
