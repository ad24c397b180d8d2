// What a chaos run must undo (processes, databases, clusters, temporary directories), kept in
// one registry so a test's `after(cleanUpEverything)` undoes it even when the run itself was cut
// short by a failure or a timeout. Each undo runs once, whoever calls it first.

const pending = new Set<() => Promise<void>>();

/**
 * Register `undo`; returns a function that runs it now (once) and unregisters it. Failures are
 * swallowed: cleaning up must not hide the run's own result.
 */
export function toCleanUp(undo: () => unknown): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = (): Promise<void> => {
    pending.delete(once);
    done ??= (async () => {
      try {
        await undo();
      } catch {
        // Already gone, or the process is ending anyway.
      }
    })();
    return done;
  };
  pending.add(once);
  return once;
}

/** Undo everything still registered, newest first (processes before their databases). */
export async function cleanUpEverything(): Promise<void> {
  for (const undo of [...pending].reverse()) await undo();
}
