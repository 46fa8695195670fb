/**
 * The deps of one tenant: what an entry point hands a use case once it knows which tenant a request or message is for.
 * On AWS, adapters with that tenant's scoped credentials (composeAwsC2.ts); elsewhere the same deps for every tenant.
 */
import type { C2Deps } from '../shared/c2/C2Deps.js';

export type C2DepsFor = (tenantId: string) => C2Deps;
