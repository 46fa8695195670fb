/**
 * The undo steps of a start-up: each resource started pushes how to stop it; `run` stops them in reverse order
 * (on close, or when a later step of the start failed), going on past failures and reporting them together.
 */
export interface CleanupStack {
  push(step: () => Promise<void> | void): void;
  /** Runs every step once, last first; an AggregateError names what did not stop cleanly. Idempotent. */
  run(): Promise<void>;
}

export function cleanupStack(what: string): CleanupStack {
  const steps: (() => Promise<void> | void)[] = [];
  let running: Promise<void> | undefined;
  const runAll = async () => {
    const errors: unknown[] = [];
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${what} did not stop cleanly`);
  };
  return {
    push: (step) => void steps.push(step),
    run: () => {
      running ??= runAll();
      return running;
    },
  };
}
