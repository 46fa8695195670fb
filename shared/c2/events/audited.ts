/**
 * The event log's one entry point: runs a change and records who did it, what, when and with what result (a failed
 * change is recorded too, with its error code, and the details its error was given by {@link withEventDetails}, such as
 * what a failure left behind). Details are facts (key versions, command counts, names of clients a
 * command did not reach), never key bytes.
 *
 * The change is committed before its entry is written: when that write fails, the change is not reported as failed
 * (its result, such as a generated key shown once, would be lost): the entry goes to the work queue, whose worker
 * writes it (same id, so a write that did land is not doubled). Changes that send commands are operations, whose
 * record is written before anything happens (shared/c2/operations/).
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error } from '../errors.js';
import type { Caller, EventRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';

export interface AuditedChange<T> {
  readonly value: T;
  readonly details?: Readonly<Record<string, unknown>>;
}

const failureDetails = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The error, given details for the failed change's event (facts, never key bytes). */
export function withEventDetails<E extends object>(error: E, details: Readonly<Record<string, unknown>>): E {
  failureDetails.set(error, details);
  return error;
}

/** A failed change's event: its error code, and the details its error was given. */
function failed(error: unknown) {
  const details = typeof error === 'object' && error !== null ? failureDetails.get(error) : undefined;
  return {
    result: 'error' as const,
    errorCode: error instanceof C2Error ? error.code : 'INTERNAL',
    ...(details ? { details } : {}),
  };
}

/** A sortable, unique event id: ISO time of the change + 8 random bytes. */
export function newEventId(deps: Pick<C2Deps, 'random'>, at: string): string {
  return `${at}#${bytesToHex(randomBytesOf(deps)(8))}`;
}

export async function audited<T>(
  deps: C2Deps,
  caller: Caller,
  action: string,
  target: EventRecord['target'],
  change: () => Promise<AuditedChange<T>>,
): Promise<T> {
  let outcome: AuditedChange<T>;
  try {
    outcome = await change();
  } catch (error) {
    const at = new Date(deps.clock()).toISOString();
    await deps.store.appendEvent({ ...base(deps, caller, action, target, at), ...failed(error) });
    throw error;
  }
  const at = new Date(deps.clock()).toISOString();
  const event: EventRecord = {
    ...base(deps, caller, action, target, at),
    result: 'ok',
    ...(outcome.details ? { details: outcome.details } : {}),
  };
  try {
    await deps.store.appendEvent(event);
  } catch {
    // Committed: the entry is written later. Should the queue fail too, the change still stands and is answered.
    await deps.queue.enqueue([{ type: 'event', event }]).catch(() => undefined);
  }
  return outcome.value;
}

function base(deps: C2Deps, caller: Caller, action: string, target: EventRecord['target'], at: string) {
  return { tenantId: caller.tenantId, id: newEventId(deps, at), at, actor: caller.actor, action, target };
}

/**
 * For a change that starts an operation: a refusal before the operation is recorded (no such topic, link, ...) is
 * logged like a failed change; a success is not, the operation's own entry says it (see operations/).
 */
export async function refusalAudited<T>(
  deps: C2Deps,
  caller: Caller,
  action: string,
  target: EventRecord['target'],
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const at = new Date(deps.clock()).toISOString();
    await deps.store.appendEvent({ ...base(deps, caller, action, target, at), ...failed(error) });
    throw error;
  }
}
