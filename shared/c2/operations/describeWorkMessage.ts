import type { WorkMessage } from '../ports/WorkQueue.js';

/** What names a queued message in a log line: its kind and ids, never a receipt's payload nor an event's details. */
export function describeWorkMessage(message: WorkMessage): Readonly<Record<string, string | number>> {
  switch (message.type) {
    case 'operation':
    case 'confirmation':
    case 'watch':
      return { type: message.type, tenantId: message.tenantId, operationId: message.operationId };
    case 'receipt':
      return {
        type: message.type,
        tenantId: message.tenantId,
        clientIdHex: message.clientIdHex,
        ...(message.tries === undefined ? {} : { tries: message.tries }),
      };
    case 'return':
      return { type: message.type, tenantId: message.tenantId, clientIdHex: message.clientIdHex, at: message.at };
    case 'policySchedule':
      return { type: message.type, tenantId: message.tenantId, policyId: message.policyId };
    case 'removalDue':
      return { type: message.type, tenantId: message.tenantId, policyId: message.policyId, window: message.window };
    case 'linkChange':
      return { type: message.type, tenantId: message.tenantId, id: message.id, change: message.change };
    case 'event':
      return { type: message.type, tenantId: message.event.tenantId, action: message.event.action };
  }
}
