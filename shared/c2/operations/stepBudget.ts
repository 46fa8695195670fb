/**
 * How much one step of an operation does before it hands over to the next (a queue message): the records it reads a
 * page at a time, and the time it may take (10 s by default, well inside a Lambda's timeout), after which it saves
 * where it is and queues the rest.
 */
export const OPERATION_PAGE = 100;
const DEFAULT_BUDGET_MS = 10_000;

/** When a step that started now must stop and hand over. */
export function stepDeadline(options: { budgetMs?: number }): number {
  return Date.now() + (options.budgetMs ?? DEFAULT_BUDGET_MS);
}
