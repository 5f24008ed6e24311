/**
 * `instanceof` by name for the errors a foreign engine throws or classifies (the writer's
 * FencedError and LockedError, the blob store's typed errors). A config and its engine are loaded
 * through their own module loader (tsx's tsImport in the main thread, require in worker threads),
 * so they may hold a second copy of these classes; an error from either copy must match either
 * class, or a scenario would misread a fenced writer as a crash.
 *
 * The match walks the value's class chain, so a subclass still matches its base class
 * (`MissingCredentialsError` is an `AccessError`), and a base class never matches a subclass.
 * Each class's `static [Symbol.hasInstance]` passes `this`, so a subclass that inherits it is
 * matched under its own name.
 */
export function isNamedError(value: unknown, errorClass: { readonly name: string }): boolean {
  if (!(value instanceof Error)) return false;
  const name = errorClass.name;
  if (value.name === name) return true;
  for (
    let proto: unknown = Object.getPrototypeOf(value);
    proto !== null && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  return false;
}
