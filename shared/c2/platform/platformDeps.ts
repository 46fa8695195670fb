/**
 * The deps that reach the platform's own records (factory batches: shared/c2/factory/) from a tenant's request: on
 * AWS a tenant's deps are scoped to its partition and data keys (composeAwsC2.ts), so `forPlatform` hands the
 * function's own; where one set of deps reaches everything (local mode, tests), the deps themselves.
 */
import type { C2Deps } from '../C2Deps.js';

export const platformDeps = (deps: C2Deps): C2Deps => deps.forPlatform?.() ?? deps;
