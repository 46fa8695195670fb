/**
 * The lifecycle function's work: one SQS batch of the lifecycle queue (AWS IoT lifecycle events of the C2's devices,
 * sent there by the rules of infra/constructs/LifecycleEventRules.ts), a few records at a time. Each event of a device
 * coming back is handled as the worker handles a `return` message (shared/c2/clients/acceptReturn.ts: the device's
 * resync started, or joined when one is waiting, so a connection's events count once). Events of no interest are
 * ignored; a record whose handling failed is listed in the partial batch response, to come back later (after the
 * queue's receive limit, to its dead-letter queue). A burst (every device reconnecting after an outage) waits in the
 * queue: the event source's maximum concurrency bounds the functions at work. Each event runs on the deps of the
 * tenant its thing name names (`depsFor`: on AWS that tenant's scoped credentials).
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { forEachAtMost } from '../../shared/c2/forEachAtMost.js';
import { handleWork } from '../../shared/c2/operations/handleWork.js';
import type { C2DepsFor } from '../C2DepsFor.js';
import type { WorkBatchLogger } from '../worker/handleWorkBatch.js';
import { type LifecycleEvent, returnOfEvent } from './returnOfEvent.js';

export interface LifecycleBatchOutcome extends SQSBatchResponse {
  /** Devices back (events that started or joined a resync). */
  readonly returns: number;
  readonly ignored: number;
}

const CONCURRENCY = 4;

export async function handleLifecycleBatch(
  deps: C2Deps,
  event: SQSEvent,
  logger: WorkBatchLogger,
  depsFor: C2DepsFor = () => deps,
): Promise<LifecycleBatchOutcome> {
  const failed = new Set<string>();
  let returns = 0;
  let ignored = 0;
  const handle = async (record: SQSRecord): Promise<void> => {
    let body: LifecycleEvent | undefined;
    try {
      body = JSON.parse(record.body) as LifecycleEvent;
    } catch {
      body = undefined;
    }
    const message = returnOfEvent(body, deps.clock());
    if ('ignored' in message) {
      ignored++;
      return;
    }
    try {
      await handleWork(depsFor(message.tenantId), message);
      returns++;
    } catch (error) {
      logger.error('lifecycle event failed', {
        messageId: record.messageId,
        tenantId: message.tenantId,
        clientIdHex: message.clientIdHex,
        error,
      });
      failed.add(record.messageId);
    }
  };
  await forEachAtMost(CONCURRENCY, event.Records ?? [], handle);
  const batchItemFailures = (event.Records ?? [])
    .filter((record) => failed.has(record.messageId))
    .map((record) => ({ itemIdentifier: record.messageId }));
  return { batchItemFailures, returns, ignored };
}
