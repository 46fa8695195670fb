/**
 * The worker's entry point for one message (handleWorkMessages.ts takes a batch: what the queue adapters, SQS and
 * the worker function in AWS, the local queue in process, call). Idempotent: a message handled twice, or again after a crash, changes
 * nothing more than once. Throws only for a failure worth retrying (the adapter hands the message over again later).
 */
import type { C2Deps } from '../C2Deps.js';
import { acceptReturn } from '../clients/acceptReturn.js';
import { writeEvent } from '../events/writeEvent.js';
import { countLinkChange } from '../policies/countLinkChange.js';
import { fireRemovalWindow } from '../policies/fireRemovalWindow.js';
import { syncPolicySchedule } from '../policies/syncPolicySchedule.js';
import type { WorkMessage } from '../ports/WorkQueue.js';
import { acceptReceipts } from './acceptReceipts.js';
import { advanceOperation } from './advanceOperation.js';
import { checkConfirmations } from './checkConfirmations.js';
import type { WorkOptions } from './WorkOptions.js';
import { waitingOutFence } from './waitingOutFence.js';
import { watchOperation } from './watchOperation.js';

export type { WorkOptions } from './WorkOptions.js';

export function handleWork(deps: C2Deps, message: WorkMessage, options: WorkOptions = {}): Promise<void> {
  switch (message.type) {
    case 'operation':
      return waitingOutFence(deps, message, advanceOperation(deps, message, options));
    case 'receipt':
      return acceptReceipts(deps, [message], options.onReceipt).then(([error]) => {
        if (error !== undefined) throw error;
      });
    case 'event':
      return writeEvent(deps, message.event);
    case 'confirmation':
      return checkConfirmations(deps, message);
    case 'watch':
      return watchOperation(deps, message);
    case 'return':
      return acceptReturn(deps, message);
    case 'policySchedule':
      return syncPolicySchedule(deps, message.tenantId, message.policyId);
    case 'linkChange':
      return countLinkChange(deps, message);
    case 'removalDue':
      return fireRemovalWindow(deps, message);
  }
}
