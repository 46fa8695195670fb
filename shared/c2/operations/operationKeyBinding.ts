import type { KeyBinding } from '../ports.js';

/**
 * What an operation's key is bound to while it waits on the operation record: that tenant and operation. Once
 * installed, the key is wrapped again for the record it belongs to (e.g. the topic at its new version).
 */
export const operationKeyBinding = (tenantId: string, operationId: string): KeyBinding => ({
  tenantId,
  kind: 'operation',
  name: operationId,
  version: 1,
});
