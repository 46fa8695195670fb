/**
 * The scopes of API keys and what each grants. A route needs one scope (functions/api/routes.ts); a key may call it
 * when its own scope grants that one: `admin` everything of its tenant, `operator` everything but key management,
 * `read-only` reads, `enrol` device self-enrolment only (POST /v1/enrol). `platform` is the platform operator's keys'
 * (shared/c2/platform/): it grants the platform routes (tenants) only, and no tenant key grants them. Pure: the one
 * place the rule is written.
 */
import type { ApiKeyScope, PrincipalScope } from '../ports.js';

export type { ApiKeyScope, PrincipalScope };

export const API_KEY_SCOPES = ['admin', 'operator', 'read-only', 'enrol'] as const satisfies readonly ApiKeyScope[];

/** Every scope a principal may hold or a route need: the tenant keys' and the platform's. */
export const PRINCIPAL_SCOPES = [...API_KEY_SCOPES, 'platform'] as const satisfies readonly PrincipalScope[];

const GRANTS: Readonly<Record<PrincipalScope, readonly PrincipalScope[]>> = {
  platform: ['platform'],
  admin: ['admin', 'operator', 'read-only', 'enrol'],
  operator: ['operator', 'read-only', 'enrol'],
  'read-only': ['read-only'],
  enrol: ['enrol'],
};

/** Whether a key of scope `held` may do what needs `needed`. */
export function scopeGrants(held: PrincipalScope, needed: PrincipalScope): boolean {
  return Object.hasOwn(GRANTS, held) && GRANTS[held].includes(needed);
}

export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value);
}

export function isPrincipalScope(value: unknown): value is PrincipalScope {
  return typeof value === 'string' && (PRINCIPAL_SCOPES as readonly string[]).includes(value);
}
