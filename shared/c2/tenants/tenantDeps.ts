/**
 * The deps to act in another tenant's records with, for the platform's use cases (creating a tenant's first admin key
 * and limits, deleting its records): on AWS that tenant's scoped credentials (`C2Deps.forTenant`, composeAwsC2.ts),
 * since the platform's own hold none of a tenant's; elsewhere the same deps.
 */
import type { C2Deps } from '../C2Deps.js';

export const tenantDeps = (deps: C2Deps, tenantId: string): C2Deps => deps.forTenant?.(tenantId) ?? deps;
