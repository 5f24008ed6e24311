/**
 * `instanceof` by name for the errors a foreign engine throws or classifies (the writer's
 * FencedError and LockedError, the blob store's typed errors). A config and its engine are loaded
 * through their own module loader (tsx's tsImport in the main thread, require in worker threads),
 * so they may hold a second copy of these classes; an error from either copy must match either
 * class, or a scenario would misread a fenced writer as a crash.
 */
export function isNamedError(value: unknown, name: string): boolean {
  return value instanceof Error && value.name === name;
}
