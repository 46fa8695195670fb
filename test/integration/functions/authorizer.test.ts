/**
 * The HTTP API's Lambda authorizer over the local store (dynalite) with real API keys: the principal of a usable key
 * as its context, a refusal (never a deny) for anything else, decisions kept for their TTL by the clock.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthorizerHandler,
  createAuthorizerHandler,
  DECISION_TTL_MS,
} from '../../../functions/authorizer/createAuthorizerHandler.js';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import { revokeApiKey } from '../../../shared/c2/apiKeys/revokeApiKey.js';
import { callerOf } from '../../support/callerOf.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

const TENANT = 'tenant-authz';
const START = Date.parse('2026-12-01T10:00:00.000Z');
let now = START;
let c2: LocalC2;
let authorize: AuthorizerHandler;
let admin: { token: string; keyId: string };

/** An authorizer event (payload 2.0, no identity source) carrying these headers. */
function eventWith(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:000000000000:api/$default/$default',
    identitySource: [],
    routeKey: '$default',
    rawPath: '/v1/stats',
    rawQueryString: '',
    cookies: [],
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method: 'GET', path: '/v1/stats', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'test',
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}
const bearer = (token: string) => eventWith({ authorization: `Bearer ${token}` });
const REFUSED = { isAuthorized: true, context: { refused: 'unauthenticated' } };

beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => now });
  authorize = createAuthorizerHandler(c2.deps);
  admin = await createApiKey(c2.deps, callerOf(TENANT), { name: 'admin', scope: 'admin' });
});
afterAll(async () => {
  await c2?.close();
});

describe('a usable key', () => {
  it('is allowed with its principal as the context', async () => {
    // Prepare
    const operator = await createApiKey(c2.deps, callerOf(TENANT), { name: 'ops', scope: 'operator' });

    // Act
    const result = await authorize(bearer(operator.token));

    // Assess
    expect(result).toEqual({
      isAuthorized: true,
      context: { tenantId: TENANT, keyId: operator.keyId, scope: 'operator', actor: `apikey:${operator.keyId}` },
    });
  });

  it('is found whatever the case of the header name and the scheme', async () => {
    const result = await authorize(eventWith({ Authorization: `bearer ${admin.token}` }));
    expect(result.context).toEqual(expect.objectContaining({ tenantId: TENANT, keyId: admin.keyId }));
  });
});

describe('anything else is refused in the context, never denied', () => {
  const cases: [string, () => APIGatewayRequestAuthorizerEventV2][] = [
    ['no Authorization header', () => eventWith({})],
    ['no headers at all', () => ({ ...eventWith({}), headers: undefined })],
    ['another scheme', () => eventWith({ authorization: `Basic ${admin.token}` })],
    ['a malformed token', () => bearer('e4c2.garbage')],
    ['a wrong secret', () => bearer(`${admin.token.slice(0, -43)}${'A'.repeat(43)}`)],
    ['an unknown key id', () => bearer(admin.token.replace(/\.[0-9a-f]{16}\./, '.00000000000000aa.'))],
    ['the token moved to another tenant', () => bearer(admin.token.replace(`.${TENANT}.`, '.tenant-other.'))],
  ];
  it.each(cases)('%s', async (_label, event) => {
    expect(await authorize(event())).toEqual(REFUSED);
  });

  it('an event that is not one (null) is refused too', async () => {
    expect(await authorize(null as unknown as APIGatewayRequestAuthorizerEventV2)).toEqual(REFUSED);
  });

  it('an expired key', async () => {
    // Prepare
    const expiring = await createApiKey(c2.deps, callerOf(TENANT), {
      name: 'short',
      scope: 'read-only',
      expiresAt: new Date(now + 60_000).toISOString(),
    });
    const fresh = createAuthorizerHandler(c2.deps);
    now += 61_000;

    // Act
    const result = await fresh(bearer(expiring.token));

    // Assess
    expect(result).toEqual(REFUSED);
  });
});

describe('the decision cache', () => {
  it('keeps a revoked key accepted until its decision is older than the TTL, then refuses it', async () => {
    // Prepare
    const key = await createApiKey(c2.deps, callerOf(TENANT), { name: 'to revoke', scope: 'operator' });
    expect((await authorize(bearer(key.token))).context).toHaveProperty('keyId', key.keyId);
    await revokeApiKey(c2.deps, callerOf(TENANT), key.keyId);

    // Act
    now += DECISION_TTL_MS - 1;
    const within = await authorize(bearer(key.token));
    now += 1;
    const after = await authorize(bearer(key.token));

    // Assess
    expect(within.context).toHaveProperty('keyId', key.keyId);
    expect(after).toEqual(REFUSED);
  });

  it('does not keep a store failure: refused as unavailable, logged without the token', async () => {
    // Prepare: a store whose table does not exist (a real failure of a real dynalite).
    const table: DynaliteTable = await openDynaliteTable();
    const logged: unknown[] = [];
    try {
      const broken = createAuthorizerHandler(
        { ...c2.deps, store: new DynamoKeyStore(table.db, 'no-such-table') },
        { log: (message, error) => logged.push({ message, error }) },
      );

      // Act
      const first = await broken(bearer(admin.token));
      const second = await broken(bearer(admin.token));

      // Assess
      expect(first).toEqual({ isAuthorized: true, context: { refused: 'unavailable' } });
      expect(second).toEqual(first);
      expect(logged).toHaveLength(2);
      expect(JSON.stringify(logged)).not.toContain(admin.token.split('.')[3]);
    } finally {
      await table.close();
    }
  });
});
