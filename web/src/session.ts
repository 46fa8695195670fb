/**
 * The signed-in API key, kept in sessionStorage (gone with the tab; never in a URL, a cookie or localStorage), with
 * what the token says of itself (its key id: `e4c2.<tenant>.<key id>.<secret>`) and the tenant and scope the C2
 * answered at sign-in (GET /v1/whoami). Listeners hear of sign-in and sign-out.
 */
const KEY = 'e4c2.apiKey';
const SCOPE = 'e4c2.scope';
const TENANT = 'e4c2.tenant';
const TENANT_TOKEN = /^e4c2\.([a-z0-9][a-z0-9-]{0,62})\.([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/;

export interface TokenInfo {
  readonly tenant: string;
  readonly keyId: string;
}

/** The tenant and key id of a tenant key's token; undefined for anything else (platform keys included). */
export function tokenInfo(token: string): TokenInfo | undefined {
  const match = TENANT_TOKEN.exec(token);
  return match ? { tenant: match[1]!, keyId: match[2]! } : undefined;
}

/** The scopes a signed-in key may hold in the UI, each granting what the ones after it grant. */
export type Scope = 'admin' | 'operator' | 'read-only';

/**
 * What each scope grants, as the C2 rules (shared/c2/apiKeys/ApiKeyScope.ts; each route's scope: functions/api/routes):
 * every change of the tenant needs `operator`, its API keys `admin`, reads `read-only`. The one place the UI asks it.
 */
const GRANTS: Readonly<Record<string, readonly Scope[]>> = {
  admin: ['admin', 'operator', 'read-only'],
  operator: ['operator', 'read-only'],
  'read-only': ['read-only'],
};

const listeners = new Set<() => void>();
const changed = () => {
  for (const listener of listeners) listener();
};

export const session = {
  apiKey: (): string | undefined => sessionStorage.getItem(KEY) ?? undefined,
  scope: (): string | undefined => sessionStorage.getItem(SCOPE) ?? undefined,
  /** Whether the signed-in key may do what needs `needed` (changes need `operator`, API keys `admin`). */
  may: (needed: Scope): boolean => {
    const held = sessionStorage.getItem(SCOPE) ?? '';
    return Object.hasOwn(GRANTS, held) && GRANTS[held]!.includes(needed);
  },
  /** The tenant the C2 answered at sign-in (the token's own until then). */
  tenant: (): string | undefined => sessionStorage.getItem(TENANT) ?? session.info()?.tenant,
  info: (): TokenInfo | undefined => {
    const key = sessionStorage.getItem(KEY);
    return key ? tokenInfo(key) : undefined;
  },
  signIn(token: string, scope: string, tenant?: string): void {
    sessionStorage.setItem(KEY, token);
    sessionStorage.setItem(SCOPE, scope);
    if (tenant !== undefined) sessionStorage.setItem(TENANT, tenant);
    changed();
  },
  signOut(): void {
    if (sessionStorage.getItem(KEY) === null) return;
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SCOPE);
    sessionStorage.removeItem(TENANT);
    changed();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
