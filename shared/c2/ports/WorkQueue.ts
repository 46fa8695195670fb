/**
 * Work the C2 does after an API call has answered: durable messages, each handled at least once by a worker (SQS and
 * the worker function in AWS; a queue persisted in the local store and drained in process locally). A handler must
 * be idempotent (a message may come twice, or again after a crash) and may enqueue follow-ups (the next slice of a
 * long fan-out) before it returns: a message is deleted only once its handler returned.
 */
import type { EventRecord } from '../ports.js';

/** Advance an operation: do its next step (install its key, plan its deliveries, send a slice of its fan-out). */
export interface OperationMessage {
  readonly type: 'operation';
  readonly tenantId: string;
  readonly operationId: string;
}

/** A device's receipt for a command it applied (see shared/c2/operations/receipts), as the broker handed it over. */
export interface ReceiptMessage {
  readonly type: 'receipt';
  readonly tenantId: string;
  /** Lowercase hex of the device's E4 id (from the topic `e4/<hex id>/receipt` it was published on). */
  readonly clientIdHex: string;
  /** The receipt as published (protected), base64. */
  readonly payload: string;
  /** How many times the receipt was looked up already (it may arrive before the C2 recorded the command). */
  readonly tries?: number;
}

/** An event-log entry whose write failed after its change was committed: written by the worker instead. */
export interface EventMessage {
  readonly type: 'event';
  /** The entry as it was to be written (no secrets: see EventRecord). */
  readonly event: EventRecord;
}

/** Look, after an operation ended, for devices that send receipts and did not confirm it (checkConfirmations.ts). */
export interface ConfirmationMessage {
  readonly type: 'confirmation';
  readonly tenantId: string;
  readonly operationId: string;
}

/**
 * Look whether an unfinished operation still moves (watchOperation.ts): its message may have been lost (a worker that
 * died past the queue's retries, a crash between two writes); it is queued again if not. Repeats while unfinished.
 */
export interface WatchMessage {
  readonly type: 'watch';
  readonly tenantId: string;
  readonly operationId: string;
}

/**
 * A device is back: it connected, or subscribed to its control topic (AWS IoT lifecycle events, the local broker).
 * The worker resyncs it, once per return however many messages say so (see clients/acceptReturn.ts).
 */
export interface ReturnMessage {
  readonly type: 'return';
  readonly tenantId: string;
  /** Lowercase hex of the device's E4 id. */
  readonly clientIdHex: string;
  /** When it was seen back (ms since the epoch, the broker's time). */
  readonly at: number;
}

/**
 * Put a policy's schedule in step with the policy as stored (policies/syncPolicySchedule.ts): queued when a change's
 * own put failed, or by a scheduled run that found its schedule stale or its policy gone.
 */
export interface PolicyScheduleMessage {
  readonly type: 'policySchedule';
  readonly tenantId: string;
  readonly policyId: string;
}

/**
 * A link between a client and a topic was created or deleted (by an unlink or a client's deletion), as committed in
 * the store: read from the table's stream in AWS, from local mode's link journal locally. The policies' event
 * triggers count it (policies/countLinkChange.ts), once however many times it comes: a change is known by its link
 * and the link's `createdAt` (a creation, or the deletion of that link), whichever feed brought it and however often.
 */
export interface LinkChangeMessage {
  readonly type: 'linkChange';
  readonly tenantId: string;
  /** The record that brought it ([0-9A-Za-z_.:-]{1,128}): a stream record's event id, a journal entry's id (logs). */
  readonly id: string;
  readonly change: 'created' | 'deleted';
  readonly topic: string;
  readonly client: string;
  /** ISO 8601: the `createdAt` of the link created, or deleted. */
  readonly linkCreatedAt: string;
  /** ISO 8601: when it was committed. */
  readonly at: string;
}

/**
 * A window of `client.removed` events of a policy on a topic is due (policies/fireRemovalWindow.ts): queued with a
 * delay when the window opened, queued again while it is not yet due (a queue delays 15 minutes at most).
 */
export interface RemovalDueMessage {
  readonly type: 'removalDue';
  readonly tenantId: string;
  readonly policyId: string;
  readonly topic: string;
  /** When the window opened (ms since the epoch): the first removal's time, the run's identity. */
  readonly window: number;
  /** When its run is due (ms since the epoch): the window's end, plus the policy's delay. */
  readonly dueAt: number;
}

export type WorkMessage =
  | OperationMessage
  | PolicyScheduleMessage
  | RemovalDueMessage
  | LinkChangeMessage
  | ReceiptMessage
  | EventMessage
  | ConfirmationMessage
  | WatchMessage
  | ReturnMessage;

export interface EnqueueOptions {
  /** Not handed to a worker before this many milliseconds (SQS allows up to 15 minutes). */
  readonly delayMs?: number;
}

export interface WorkQueue {
  /** Stores the messages durably (resolves once they are), for a worker to handle. */
  enqueue(messages: readonly WorkMessage[], options?: EnqueueOptions): Promise<void>;
}
