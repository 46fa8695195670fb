/**
 * What the CLI reads from an API key's token without asking the C2: whose it is and its key id (never its secret).
 * Tenant keys are `e4c2.<tenant>.<key id>.<secret>`, platform operator keys `e4c2p.<key id>.<secret>` (key id 16
 * lowercase hex, secret 43 characters of base64url).
 */
export type ApiKeyTokenInfo =
  | { readonly kind: 'tenant'; readonly tenant: string; readonly keyId: string }
  | { readonly kind: 'platform'; readonly keyId: string };

const TENANT_TOKEN = /^e4c2\.([a-z0-9][a-z0-9-]{0,62})\.([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/;
const PLATFORM_TOKEN = /^e4c2p\.([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/;

/** The token's kind, tenant and key id; undefined when it is not shaped as an e4c2 key. */
export function apiKeyTokenInfo(token: string): ApiKeyTokenInfo | undefined {
  const tenant = TENANT_TOKEN.exec(token);
  if (tenant) return { kind: 'tenant', tenant: tenant[1]!, keyId: tenant[2]! };
  const platform = PLATFORM_TOKEN.exec(token);
  if (platform) return { kind: 'platform', keyId: platform[1]! };
  return undefined;
}
