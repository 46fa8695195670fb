import type { Caller } from '../../shared/c2/ports.js';

/** The caller of a use case in tests: a tenant and an actor named after it. */
export const callerOf = (tenantId: string, actor = 'test'): Caller => ({ tenantId, actor });
