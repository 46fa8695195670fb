/**
 * API keys over the local store: issued once with a scope, stored as a hash, authenticated strictly; revoked and
 * expired keys refused; their last use written at most once a minute.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../../../shared/c2/apiKeys/authenticateApiKey.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import { validateTenantId } from '../../../shared/c2/apiKeys/validateTenantId.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');
let now = NOW;
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => now });
});
afterAll(async () => {
  await c2?.close();
});

/** The secret of a token, decoded. */
const secretOf = (token: string) => Buffer.from(token.split('.')[3]!, 'base64url');

describe('createApiKey', () => {
  it('returns e4c2.<tenant>.<key id>.<secret> once and stores only the SHA-256 of the secret', async () => {
    // Act
    const created = await createApiKey(c2.deps, callerOf('tenant-keys'), { name: 'ci', scope: 'admin' });

    // Assess
    expect(created).toEqual({
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'ci',
      scope: 'admin',
      prefix: expect.stringMatching(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{4}$/),
      status: 'active',
      createdAt: '2026-11-23T10:00:00.000Z',
      token: expect.stringMatching(/^e4c2\.tenant-keys\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/),
    });
    expect(created.token.split('.')[2]).toBe(created.keyId);
    expect(created.token.startsWith(`e4c2.tenant-keys.${created.prefix}`)).toBe(true);
    const record = await c2.deps.store.getApiKey('tenant-keys', created.keyId);
    expect(record).toMatchObject({ keyId: created.keyId, tenantId: 'tenant-keys', name: 'ci', scope: 'admin' });
    expect(bytesToHex(record!.secretHash)).toBe(bytesToHex(sha256(secretOf(created.token))));
    expect(await c2.deps.store.countApiKeys('tenant-keys')).toBe(1);
  });

  it('makes a new key id and secret each time', async () => {
    const first = await createApiKey(c2.deps, callerOf('tenant-keys-2'), { name: 'a', scope: 'admin' });
    const second = await createApiKey(c2.deps, callerOf('tenant-keys-2'), { name: 'a', scope: 'admin' });
    expect(second.keyId).not.toBe(first.keyId);
    expect(secretOf(second.token).equals(secretOf(first.token))).toBe(false);
  });

  it.each([
    ['an upper-case tenant', 'Tenant', 'ci'],
    ['a tenant with a dot', 'a.b', 'ci'],
    ['a tenant starting with -', '-a', 'ci'],
    ['a tenant of 64 characters', 'a'.repeat(64), 'ci'],
    ['an empty name', 'tenant-ok', ''],
    ['a name of 256 bytes', 'tenant-ok', 'x'.repeat(256)],
  ])('refuses %s with INVALID_INPUT', async (_label, tenantId, name) => {
    const code = await codeOfAsync(() => createApiKey(c2.deps, callerOf(tenantId), { name, scope: 'admin' }));
    expect(code).toBe(C2ErrorCode.InvalidInput);
  });

  it.each([
    ['an unknown scope', { scope: 'root' }],
    ['an expiry in the past', { expiresAt: '2026-11-23T09:59:59.999Z' }],
    ['an expiry now', { expiresAt: '2026-11-23T10:00:00.000Z' }],
    ['an expiry that is no time', { expiresAt: 'tomorrow' }],
  ])('refuses %s with INVALID_INPUT', async (_label, input) => {
    const code = await codeOfAsync(() =>
      createApiKey(c2.deps, callerOf('tenant-ok'), { name: 'k', scope: 'admin', ...input } as never),
    );
    expect(code).toBe(C2ErrorCode.InvalidInput);
    expect(await c2.deps.store.countApiKeys('tenant-ok')).toBe(0);
  });

  it('keeps the scope and the expiry (in UTC) and records apikey.create without the secret', async () => {
    // Act
    const created = await createApiKey(c2.deps, callerOf('tenant-keys-3'), {
      name: 'reader',
      scope: 'read-only',
      expiresAt: '2026-11-24T12:00:00+02:00',
    });

    // Assess
    expect(created).toMatchObject({ scope: 'read-only', expiresAt: '2026-11-24T10:00:00.000Z', status: 'active' });
    const [event] = (await c2.deps.store.listEvents('tenant-keys-3', {}, { limit: 10 })).items;
    expect(event).toMatchObject({
      action: 'apikey.create',
      actor: 'test',
      target: { type: 'apikey', name: created.keyId },
      result: 'ok',
      details: { name: 'reader', scope: 'read-only', prefix: created.prefix, expiresAt: '2026-11-24T10:00:00.000Z' },
    });
    expect(JSON.stringify(event)).not.toContain(created.token.split('.')[3]);
  });
});

describe('validateTenantId', () => {
  it.each(['a', '0', 'tenant-1', 'a'.repeat(63)])('accepts %s', (tenantId) => {
    expect(validateTenantId(tenantId)).toBe(tenantId);
  });
});

describe('authenticateApiKey', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await createApiKey(c2.deps, callerOf('tenant-auth'), { name: 'operator', scope: 'admin' }));
  });

  it('gives the principal of a valid token: its tenant, key id, scope and the actor apikey:<key id>', async () => {
    const keyId = token.split('.')[2]!;
    const caller = await authenticateApiKey(c2.deps, token);
    expect(caller).toEqual({ tenantId: 'tenant-auth', keyId, scope: 'admin', actor: `apikey:${keyId}` });
  });

  it('writes lastUsedAt on a first use, then only once it is a minute old', async () => {
    // Prepare
    const created = await createApiKey(c2.deps, callerOf('tenant-used'), { name: 'u', scope: 'operator' });
    const lastUsed = async () => (await c2.deps.store.getApiKey('tenant-used', created.keyId))?.lastUsedAt;
    const at = (ms: number) => new Date(NOW + ms).toISOString();

    try {
      // Act and assess
      expect(await lastUsed()).toBeUndefined();
      now = NOW + 1_000;
      await authenticateApiKey(c2.deps, created.token);
      expect(await lastUsed()).toBe(at(1_000));
      now = NOW + 60_999;
      await authenticateApiKey(c2.deps, created.token);
      expect(await lastUsed()).toBe(at(1_000));
      now = NOW + 61_000;
      await authenticateApiKey(c2.deps, created.token);
      expect(await lastUsed()).toBe(at(61_000));
    } finally {
      now = NOW;
    }
  });

  it('refuses an expired key from its expiry on, and a revoked key', async () => {
    // Prepare
    const expiring = await createApiKey(c2.deps, callerOf('tenant-gone'), {
      name: 'e',
      scope: 'admin',
      expiresAt: new Date(NOW + 10_000).toISOString(),
    });
    const revoked = await createApiKey(c2.deps, callerOf('tenant-gone'), { name: 'r', scope: 'admin' });
    await c2.deps.store.revokeApiKey('tenant-gone', revoked.keyId, new Date(NOW).toISOString());

    try {
      // Act
      now = NOW + 9_999;
      const before = await authenticateApiKey(c2.deps, expiring.token);
      now = NOW + 10_000;
      const at = await authenticateApiKey(c2.deps, expiring.token);
      const ofRevoked = await authenticateApiKey(c2.deps, revoked.token);

      // Assess
      expect(before?.keyId).toBe(expiring.keyId);
      expect(at).toBeUndefined();
      expect(ofRevoked).toBeUndefined();
    } finally {
      now = NOW;
    }
  });

  const variants: [string, (valid: string) => string][] = [
    ['another secret', (valid) => `${valid.slice(0, -43)}${'A'.repeat(43)}`],
    [
      'the secret with its last character changed',
      (valid) => `${valid.slice(0, -1)}${valid.endsWith('A') ? 'Q' : 'A'}`,
    ],
    ['another tenant', (valid) => valid.replace('.tenant-auth.', '.tenant-other.')],
    ['an unknown key id', (valid) => valid.replace(/\.[0-9a-f]{16}\./, '.0123456789abcdef.')],
    ['another prefix', (valid) => valid.replace(/^e4c2\./, 'e4c3.')],
    [
      'an upper-case key id',
      (valid) => valid.replace(/\.([0-9a-f]{16})\./, (_m, id: string) => `.${id.toUpperCase()}.`),
    ],
    ['a truncated secret', (valid) => valid.slice(0, -1)],
    ['an extra character', (valid) => `${valid}A`],
    ['base64 padding', (valid) => `${valid}=`],
    ['an extra segment', (valid) => `${valid}.x`],
    ['standard base64 characters', (valid) => `${valid.slice(0, -43)}+/${valid.slice(-41)}`],
    ['non-zero trailing bits', (valid) => `${valid.slice(0, -1)}B`],
    ['spaces around', (valid) => ` ${valid} `],
    ['the empty string', () => ''],
    ['a very long string', () => 'e4c2.'.repeat(10_000)],
  ];
  it.each(variants)('refuses %s (undefined, no throw)', async (_label, change) => {
    // Prepare
    const candidate = change(token);
    expect(candidate).not.toBe(token);

    // Act
    const caller = await authenticateApiKey(c2.deps, candidate);

    // Assess
    expect(caller).toBeUndefined();
  });

  it.each([null, undefined, 42, {}, []])('refuses a non-string (%s) without throwing', async (value) => {
    expect(await authenticateApiKey(c2.deps, value as unknown as string)).toBeUndefined();
  });
});
