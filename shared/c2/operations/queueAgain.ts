/**
 * An operation's next message: its continuation after a time budget (no wait), or the same step tried again later
 * while it waits for something (its topic's lease, its children, the tenant's fence). A wait grows with the time the
 * operation has waited since it last moved (half of it, from `minMs` to `maxMs`), and the operation says it is alive
 * at most once a minute (its `updatedAt`, nothing else): else its watch (watchOperation.ts) would take a long wait for
 * a lost message and add one, a second message loop.
 */
import type { C2Deps } from '../C2Deps.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import { WATCH_INTERVAL_MS } from './watchOperation.js';

/** How often a waiting operation says it is alive: well within its watch's interval. */
const ALIVE_MS = WATCH_INTERVAL_MS / 5;

export interface Wait {
  readonly minMs: number;
  readonly maxMs: number;
}

export async function queueAgain(
  deps: C2Deps,
  operation: Pick<OperationRecord, 'tenantId' | 'id' | 'updatedAt'>,
  wait?: Wait,
): Promise<void> {
  const { tenantId, id } = operation;
  const message = { type: 'operation', tenantId, operationId: id } as const;
  if (wait === undefined) return deps.queue.enqueue([message]);
  const now = deps.clock();
  const waited = now - Date.parse(operation.updatedAt);
  if (waited >= ALIVE_MS) await deps.operations.addToCounts(tenantId, id, {}, new Date(now).toISOString());
  const delayMs = Math.min(wait.maxMs, Math.max(wait.minMs, Math.floor(waited / 2)));
  await deps.queue.enqueue([message], { delayMs });
}
