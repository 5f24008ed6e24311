/**
 * `instanceof` by name for the errors a foreign engine throws or classifies (the writer's
 * FencedError and LockedError, the blob store's typed errors). A config and its engine are loaded
 * through their own module loader (tsx's tsImport in the main thread, require in worker threads),
 * so they may hold a second copy of these classes; an error from either copy must match either
 * class, or a scenario would misread a fenced writer as a crash.
 */
export function isNamedError(value: unknown, name: string): boolean {
  if (!(value instanceof Error)) return false;
  if (value.name === name) return true;
  // A subclass's instance is one of its base too (MissingCredentialsError is an AccessError), as
  // with plain instanceof: match the class names along the prototype chain.
  for (
    let proto: unknown = Object.getPrototypeOf(value);
    proto !== null && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  return false;
}
