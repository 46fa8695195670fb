import { describe, expect, it } from 'vitest';
import { parseWorkMessage } from '../../../shared/c2/operations/parseWorkMessage.js';

const operation = { type: 'operation', tenantId: 'tenant-a', operationId: '01JABCDEFGHJKMNPQRSTVWXYZ0' };
const receipt = {
  type: 'receipt',
  tenantId: 'tenant-a',
  clientIdHex: '0123456789abcdef0123456789abcdef',
  payload: 'c2VjcmV0IHJlY2VpcHQ=',
};
const linkChange = {
  type: 'linkChange',
  tenantId: 'tenant-a',
  id: 'c81e728d9d4c2f636f067f89cc14862c',
  change: 'deleted',
  topic: 'plant/a',
  client: 'dev-1',
  linkCreatedAt: '2026-12-04T10:00:00.000Z',
  at: '2026-12-04T11:00:00.000Z',
};
const back = { type: 'return', tenantId: 'tenant-a', clientIdHex: '0123456789abcdef0123456789abcdef', at: 1 };

describe('parseWorkMessage', () => {
  it.each([
    ['an operation', operation],
    ['a receipt', receipt],
    ['a receipt tried before', { ...receipt, tries: 2 }],
    ['a device back', back],
    ['a link change', linkChange],
    ["an operation of the platform's (a tenant's deletion)", { ...operation, tenantId: '~platform' }],
    ["a watch of the platform's operation", { ...operation, type: 'watch', tenantId: '~platform' }],
  ])('reads %s as it was queued', (_, message) => {
    expect(parseWorkMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it('drops fields the port does not know', () => {
    expect(parseWorkMessage(JSON.stringify({ ...operation, extra: 1 }))).toEqual({ ok: true, message: operation });
  });

  it.each([
    ['not JSON', 'c2VjcmV0IHJlY2VpcHQ= {', 'not JSON'],
    ['JSON null', 'null', 'at (body)'],
    ['an unknown type', JSON.stringify({ ...operation, type: 'other' }), 'at type'],
    ['a bad tenant', JSON.stringify({ ...operation, tenantId: 'Tenant' }), 'at tenantId'],
    [
      'a receipt of the platform (it has no devices)',
      JSON.stringify({ ...receipt, tenantId: '~platform' }),
      'at tenantId',
    ],
    ['another reserved-looking tenant', JSON.stringify({ ...operation, tenantId: '~other' }), 'at tenantId'],
    ['a bad operation id', JSON.stringify({ ...operation, operationId: 'x' }), 'at operationId'],
    [
      'an uppercase client id',
      JSON.stringify({ ...receipt, clientIdHex: receipt.clientIdHex.toUpperCase() }),
      'at clientIdHex',
    ],
    ['a payload that is not base64', JSON.stringify({ ...receipt, payload: 'c2VjcmV0!' }), 'at payload'],
    ['an empty payload', JSON.stringify({ ...receipt, payload: '' }), 'at payload'],
    ['a link change of another kind', JSON.stringify({ ...linkChange, change: 'modified' }), 'at change'],
    ['a link change without its link time', JSON.stringify({ ...linkChange, linkCreatedAt: 'x' }), 'at linkCreatedAt'],
    ['negative tries', JSON.stringify({ ...receipt, tries: -1 }), 'at tries'],
    ['a return without its time', JSON.stringify({ ...back, at: undefined }), 'at at'],
    ['a return at a fraction of a millisecond', JSON.stringify({ ...back, at: 1.5 }), 'at at'],
  ])('refuses %s, saying where, never quoting the body', (_, body, where) => {
    const parsed = parseWorkMessage(body);
    expect(parsed.ok).toBe(false);
    const reason = parsed.ok ? '' : parsed.reason;
    expect(reason).toContain(where);
    expect(reason).not.toMatch(/c2VjcmV0|Tenant|other/);
  });
});
