/**
 * Advances an operation by its next step, for the worker (see handleWork.ts): an unknown or finished operation is
 * left alone (the message came twice, or late), a topic operation (rotation, revocation) goes on where it stands
 * (see topicOperation.ts), as does a client's deletion or reset (clientOperation.ts), a new identity key or C2 key
 * (identityKeyOperation.ts, c2KeyOperation.ts), and a resync, which sends its client what it lacks
 * (resyncOperation.ts), a topic's deletion (topicDeletionOperation.ts), and a tenant's deletion (tenantOperation.ts). A
 * kind this version does not know (a record of another version) fails visibly instead of waiting.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2ErrorCode } from '../errors.js';
import type { OperationMessage } from '../ports/WorkQueue.js';
import { advanceC2KeyOperation } from './c2KeyOperation.js';
import { advanceClientOperation } from './clientOperation.js';
import { finishOperation } from './finishOperation.js';
import { advanceIdentityKeyOperation } from './identityKeyOperation.js';
import { advanceResyncOperation } from './resyncOperation.js';
import { advanceTenantOperation } from './tenantOperation.js';
import { advanceTopicDeletion } from './topicDeletionOperation.js';
import { advanceTopicOperation } from './topicOperation.js';
import type { WorkOptions } from './WorkOptions.js';

export async function advanceOperation(deps: C2Deps, message: OperationMessage, options: WorkOptions): Promise<void> {
  const { operations } = deps;
  const operation = await operations.getOperation(message.tenantId, message.operationId);
  if (!operation || operation.finishedAt !== undefined) return;
  switch (operation.kind) {
    case 'topic.rotate':
    case 'link.delete':
      return advanceTopicOperation(deps, operation, options);
    case 'client.delete':
    case 'client.reset':
      return advanceClientOperation(deps, operation, options);
    case 'client.identityKey':
      return advanceIdentityKeyOperation(deps, operation);
    case 'c2key.rotate':
      return advanceC2KeyOperation(deps, operation, options);
    case 'client.resync':
      return advanceResyncOperation(deps, operation);
    case 'topic.delete':
      return advanceTopicDeletion(deps, operation, options);
    case 'tenant.delete':
      return advanceTenantOperation(deps, operation, options);
    default:
      await finishOperation(deps, operation, {
        code: C2ErrorCode.InvalidInput,
        message: `operations of kind ${operation.kind} are not carried out by this version of the C2`,
      });
  }
}
