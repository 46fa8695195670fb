/**
 * Factory batches and claims through the API (local adapters): a batch registered by the platform key (codes shown
 * once, names reserved, keys never answered), listed and read with counts; a device claimed by a tenant (flagged for
 * a new identity key, on its topics, audited), its code refused when used again (409), guessed (404, one message for
 * all), mistyped (400); concurrent claims of one code have one winner; a claim interrupted after the code was taken,
 * or after the client was made, is finished by the same tenant's retry and refused to any other (and a client of
 * that name the tenant made meanwhile is not taken for the device); an unclaimed device deleted frees its name; a
 * registration whose store fails midway is undone once every write under way has ended (a failed reservation too;
 * a name whose device could not be deleted stays reserved, and when anything is left the batch is kept for DELETE); a code whose device is gone is deleted by the claim that finds it;
 * devices appended to a batch a call at a time (codes once, `exists` when appended again with the same key, 409 with
 * another key, the per-call limit); a lost code reissued (the old one dead); a claim of a device whose name another
 * owner holds gives the code back (and one left incomplete is deleted by the operator); a claim under way refuses the
 * operator's delete and reissue saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCharacter, claimCodeHash, newClaimCode, parseClaimCode } from '../../../shared/c2/factory/claimCode.js';
import { NAME_HELD_ELSEWHERE } from '../../../shared/c2/factory/claimDevice.js';
import { MAX_BATCH_DEVICES } from '../../../shared/c2/factory/factoryDevices.js';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import { PLATFORM_TENANT } from '../../../shared/c2/platform/platformKeyToken.js';
import { bytesToHex, ed25519PrivateKeyFromSeed, hashIdAlias, toBase64 } from '../../../shared/e4/index.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
let platform: string;

const ed25519PublicKey = (seed: number) =>
  ed25519PrivateKeyFromSeed(Uint8Array.from({ length: 32 }, (_, i) => i ^ seed)).publicKey;
const hashIdAliasHex = (name: string) => bytesToHex(hashIdAlias(name));
const keyOf = (seed: number) => toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + seed) & 0xff));

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-factory' });
  platform = (await createPlatformKey(api.c2.deps, 'test', 'platform')).token;
  recordSecret(platform);
});
afterAll(async () => {
  await api?.close();
});

interface Registered {
  batch: { id: string };
  devices: { name: string; id: string; code: string }[];
}

async function register(name: string, devices: Record<string, unknown>[]): Promise<Registered> {
  const answer = await api.call('POST', '/v1/factory-batches', { token: platform, body: { name, devices } });
  expect(answer.status, answer.raw).toBe(201);
  for (const device of answer.json.devices) recordSecret(device.code);
  return answer.json;
}

const claim = (body: Record<string, unknown>, token?: string) =>
  api.call('POST', '/v1/claims', { body, ...(token ? { token } : {}) });

describe('a factory batch', () => {
  it('is registered with a code per device, reserves the names, and is read with counts but no codes or keys', async () => {
    // Prepare
    const devices = [
      { name: 'fab-1', key: keyOf(1) },
      { name: 'fab-2', key: keyOf(2) },
    ];

    // Act
    const registered = await register('run 1', devices);

    // Assess
    expect(registered.batch).toMatchObject({ name: 'run 1', devices: 2, claimed: 0, unclaimed: 2 });
    expect(registered.devices.map((d) => d.name)).toEqual(['fab-1', 'fab-2']);
    for (const device of registered.devices)
      expect(device.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(JSON.stringify(registered)).not.toContain(keyOf(1));
    const taken = await api.call('POST', '/v1/clients', { body: { name: 'fab-1', key: keyOf(9) } });
    expect(taken.status, taken.raw).toBe(409);
    const read = await api.call('GET', `/v1/factory-batches/${registered.batch.id}`, { token: platform });
    expect(read.json).toMatchObject({ id: registered.batch.id, devices: 2, claimed: 0, unclaimed: 2 });
    const listed = await api.call('GET', '/v1/factory-batches', { token: platform });
    expect(listed.json.items.map((b: { id: string }) => b.id)).toContain(registered.batch.id);
    const deviceList = await api.call('GET', `/v1/factory-batches/${registered.batch.id}/devices`, { token: platform });
    expect(deviceList.json.items).toHaveLength(2);
    for (const raw of [read.raw, listed.raw, deviceList.raw]) {
      expect(raw).not.toContain(registered.devices[0]!.code);
      expect(raw).not.toContain(keyOf(1));
    }
    const again = await api.call('POST', '/v1/factory-batches', { token: platform, body: { name: 'dup', devices } });
    expect(again.status, again.raw).toBe(409);
    expect(errorCodeOf(again)).toBe('ALREADY_EXISTS');
  });

  it('refuses a tenant key, a bad device and too many devices', async () => {
    const tenant = await api.call('POST', '/v1/factory-batches', {
      body: { name: 'x', devices: [{ name: 'a', key: keyOf(1) }] },
    });
    expect(tenant.status).toBe(403);
    const both = await api.call('POST', '/v1/factory-batches', {
      token: platform,
      body: { name: 'x', devices: [{ name: 'a', key: keyOf(1), publicKey: keyOf(2) }] },
    });
    expect(both.status, both.raw).toBe(400);
    const many = Array.from({ length: MAX_BATCH_DEVICES + 1 }, (_, i) => ({ name: `m-${i}`, key: keyOf(i) }));
    const tooMany = await api.call('POST', '/v1/factory-batches', {
      token: platform,
      body: { name: 'x', devices: many },
    });
    expect(tooMany.status, tooMany.raw).toBe(400);
    expect(errorCodeOf(tooMany)).toBe('INVALID_INPUT');
    expect(tooMany.json.error.message).toContain(`1 to ${MAX_BATCH_DEVICES} devices a call`);
    expect(tooMany.json.error.message).toContain('POST /v1/factory-batches/{batchId}/devices');
    const twice = await api.call('POST', '/v1/factory-batches', {
      token: platform,
      body: {
        name: 'x',
        devices: [
          { name: 'same', key: keyOf(1) },
          { name: 'same', key: keyOf(2) },
        ],
      },
    });
    expect(twice.status, twice.raw).toBe(400);
  });
});

describe('devices appended to a batch', () => {
  const append = (batchId: string, devices: Record<string, unknown>[], token = platform) =>
    api.call('POST', `/v1/factory-batches/${batchId}/devices`, { token, body: { devices } });

  it('get their codes once; appended again they answer exists without a code; the batch counts them all', async () => {
    // Prepare
    const registered = await register('appended run', [{ name: 'app-0', key: keyOf(40) }]);
    const batchId = registered.batch.id;
    const first = Array.from({ length: MAX_BATCH_DEVICES }, (_, i) => ({ name: `app-${i + 1}`, key: keyOf(i) }));

    // Act
    const added = await append(batchId, first);
    for (const device of added.json.devices ?? []) if (device.code) recordSecret(device.code);
    const again = await append(batchId, [first[0]!, { name: 'app-new', publicKey: toBase64(ed25519PublicKey(4)) }]);
    for (const device of again.json.devices ?? []) if (device.code) recordSecret(device.code);
    const read = await api.call('GET', `/v1/factory-batches/${batchId}`, { token: platform });

    // Assess
    expect(added.status, added.raw).toBe(200);
    expect(added.json.devices).toHaveLength(MAX_BATCH_DEVICES);
    expect(added.json.devices.map((d: { name: string }) => d.name)).toEqual(first.map((d) => d.name));
    expect(added.json.devices.every((d: { status: string; code?: string }) => d.status === 'created' && d.code)).toBe(
      true,
    );
    expect(added.json.batch).toMatchObject({ id: batchId, devices: MAX_BATCH_DEVICES + 1, claimed: 0 });
    expect(again.status, again.raw).toBe(200);
    expect(again.json.devices).toEqual([
      { name: 'app-1', id: added.json.devices[0].id, status: 'exists' },
      { name: 'app-new', id: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'created', code: expect.any(String) },
    ]);
    expect(read.json).toMatchObject({ devices: MAX_BATCH_DEVICES + 2, unclaimed: MAX_BATCH_DEVICES + 2 });
    // A code of an appended device claims it.
    const claimed = await claim({ code: added.json.devices[5].code });
    expect(claimed.status, claimed.raw).toBe(201);
    expect(claimed.json.client.name).toBe('app-6');
    const { items: events } = await api.c2.deps.store.listEvents(
      PLATFORM_TENANT,
      { action: 'factory.batch.append' },
      { limit: 1 },
    );
    expect(events[0]).toMatchObject({ target: { name: batchId }, result: 'ok', details: { devices: 2, created: 1 } });
  });

  it('appended again with another key are refused (409 naming them, nothing written); a claimed one too', async () => {
    // Prepare
    const registered = await register('rekeyed run', [
      { name: 'rk-1', key: keyOf(60) },
      { name: 'rk-2', publicKey: toBase64(ed25519PublicKey(6)) },
      { name: 'rk-3', key: keyOf(62) },
    ]);
    const batchId = registered.batch.id;
    expect((await claim({ code: registered.devices[2]!.code })).status).toBe(201);

    // Act
    const otherKey = await append(batchId, [
      { name: 'rk-new', key: keyOf(63) },
      { name: 'rk-1', key: keyOf(61) },
      { name: 'rk-2', publicKey: toBase64(ed25519PublicKey(7)) },
    ]);
    const claimedOne = await append(batchId, [{ name: 'rk-3', key: keyOf(62) }]);
    const sameKeys = await append(batchId, [
      { name: 'rk-1', key: keyOf(60) },
      { name: 'rk-2', publicKey: toBase64(ed25519PublicKey(6)) },
    ]);

    // Assess
    expect(otherKey.status, otherKey.raw).toBe(409);
    expect(errorCodeOf(otherKey)).toBe('ALREADY_EXISTS');
    expect(otherKey.json.error.message).toContain('another key');
    expect(otherKey.json.error.message).toContain('rk-1');
    expect(otherKey.json.error.message).toContain('rk-2');
    expect(otherKey.json.error.message).not.toContain('rk-new');
    expect(otherKey.json.error.details).toEqual({
      devices: [
        { name: 'rk-1', reason: 'other-key' },
        { name: 'rk-2', reason: 'other-key' },
      ],
    });
    expect(await api.c2.deps.store.getClientIdClaim(hashIdAlias('rk-new'))).toBeUndefined();
    expect(claimedOne.status, claimedOne.raw).toBe(409);
    expect(claimedOne.json.error.message).toContain('rk-3');
    expect(claimedOne.json.error.details).toEqual({ devices: [{ name: 'rk-3', reason: 'name-taken' }] });
    expect(sameKeys.status, sameKeys.raw).toBe(200);
    expect(sameKeys.json.devices.map((d: { status: string }) => d.status)).toEqual(['exists', 'exists']);
  });

  it('refused by more than ten names: the message names ten and how many more, the details all of them', async () => {
    // Prepare
    const names = Array.from({ length: 14 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    const { batch } = await register(
      'many run',
      names.map((name, i) => ({ name, key: keyOf(100 + i) })),
    );

    // Act
    const refused = await append(
      batch.id,
      names.map((name, i) => ({ name, key: keyOf(150 + i) })),
    );

    // Assess
    expect(refused.status, refused.raw).toBe(409);
    expect(refused.json.error.message).toMatch(/many-09, and 4 more$/);
    expect(refused.json.error.message).not.toContain('many-10');
    const details = refused.json.error.details.devices as { name: string; reason: string }[];
    expect(details.map((device) => device.name).sort()).toEqual(names);
    expect(new Set(details.map((device) => device.reason))).toEqual(new Set(['other-key']));
  });

  it('whose code was lost get a new one: the old code is dead, the new one claims; a claimed one gets none', async () => {
    // Prepare
    const registered = await register('lost answer run', [
      { name: 'lost-1', key: keyOf(70) },
      { name: 'lost-2', key: keyOf(71) },
    ]);
    const batchId = registered.batch.id;
    const [lost, claimedDevice] = registered.devices;
    expect((await claim({ code: claimedDevice!.code })).status).toBe(201);
    const codeOf = (device: { id: string }, token = platform) =>
      api.call('POST', `/v1/factory-batches/${batchId}/devices/${device.id}/code`, { token });

    // Act
    const reissued = await codeOf(lost!);
    if (reissued.json?.code) recordSecret(reissued.json.code);
    // A claim that read the device before the reissue and takes it after: the old code takes nothing.
    const oldParsed = parseClaimCode(lost!.code);
    if (!oldParsed.ok) throw new Error('a code does not parse');
    const stale = await api.c2.deps.store
      .takeFactoryDevice(batchId, hashIdAlias('lost-1'), claimCodeHash(oldParsed.canonical), 'tenant-factory', 'now')
      .then(
        (outcome) => outcome,
        (error: { code?: string }) => error.code,
      );
    const oldCode = await claim({ code: lost!.code });
    const newCode = await claim({ code: reissued.json.code });
    const again = await codeOf(lost!);
    const ofClaimed = await codeOf(claimedDevice!);
    const byTenant = await codeOf(lost!, api.token);
    const none = await codeOf({ id: hashIdAliasHex('lost-none') });

    // Assess
    expect(reissued.status, reissued.raw).toBe(200);
    expect(reissued.json).toEqual({ name: 'lost-1', id: lost!.id, code: expect.any(String) });
    expect(reissued.json.code).not.toBe(lost!.code);
    expect(stale).toBe('NOT_FOUND');
    expect(oldCode.status, oldCode.raw).toBe(404);
    expect(newCode.status, newCode.raw).toBe(201);
    expect(newCode.json.client.name).toBe('lost-1');
    expect(stale).toBe('NOT_FOUND');
    expect(again.status, again.raw).toBe(409);
    expect(errorCodeOf(again)).toBe('CLAIM_USED');
    expect(ofClaimed.status, ofClaimed.raw).toBe(409);
    expect(byTenant.status).toBe(403);
    expect(none.status, none.raw).toBe(404);
    const { items: events } = await api.c2.deps.store.listEvents(
      PLATFORM_TENANT,
      { action: 'factory.device.code' },
      { limit: 10 },
    );
    expect(events.map((e) => e.result)).toContain('ok');
    expect(JSON.stringify(events)).not.toContain(reissued.json.code);
  });

  it('are refused past the limit (400 naming it), held elsewhere (409, nothing written), twice in a call, or to no batch', async () => {
    // Prepare
    const { batch } = await register('append refusals', [{ name: 'ref-0', key: keyOf(50) }]);
    const other = await register('other run', [{ name: 'ref-other', key: keyOf(51) }]);
    const many = Array.from({ length: MAX_BATCH_DEVICES + 1 }, (_, i) => ({ name: `ref-m-${i}`, key: keyOf(i) }));

    // Act
    const tooMany = await append(batch.id, many);
    const held = await append(batch.id, [
      { name: 'ref-free', key: keyOf(52) },
      { name: 'ref-other', key: keyOf(53) },
    ]);
    const twice = await append(batch.id, [
      { name: 'ref-2', key: keyOf(54) },
      { name: 'ref-2', key: keyOf(55) },
    ]);
    const none = await append('00000000000000ff', [{ name: 'ref-3', key: keyOf(56) }]);
    const byTenant = await append(batch.id, [{ name: 'ref-4', key: keyOf(57) }], api.token);

    // Assess
    expect(tooMany.status, tooMany.raw).toBe(400);
    expect(tooMany.json.error.message).toContain(`1 to ${MAX_BATCH_DEVICES} devices a call`);
    expect(held.status, held.raw).toBe(409);
    expect(errorCodeOf(held)).toBe('ALREADY_EXISTS');
    expect(held.json.error.message).toContain('ref-other');
    expect(held.json.error.details).toEqual({ devices: [{ name: 'ref-other', reason: 'name-taken' }] });
    expect(await api.c2.deps.store.getClientIdClaim(hashIdAlias('ref-free'))).toBeUndefined();
    expect(twice.status, twice.raw).toBe(400);
    expect(none.status, none.raw).toBe(404);
    expect(byTenant.status).toBe(403);
    const read = await api.call('GET', `/v1/factory-batches/${batch.id}`, { token: platform });
    expect(read.json.devices).toBe(1);
    expect(other.batch.id).not.toBe(batch.id);
  });
});

describe('a claim', () => {
  it('makes the device a client of the tenant, flagged, on its topics, audited; the code is single-use', async () => {
    // Prepare
    const { batch, devices } = await register('run 2', [{ name: 'claim-1', key: keyOf(3) }]);
    const topic = await api.call('POST', '/v1/topics', { body: { topic: 'factory/t1' } });
    expect(topic.status, topic.raw).toBe(201);
    const code = devices[0]!.code;

    // Act
    const answer = await claim({ code: code.toLowerCase().replaceAll('-', ' '), topics: ['factory/t1'] });

    // Assess
    expect(answer.status, answer.raw).toBe(201);
    expect(answer.json.client).toMatchObject({
      name: 'claim-1',
      mode: 'symmetric',
      keyVersion: 1,
      rekeyOnReturn: true,
    });
    expect(answer.json.topics).toEqual(['factory/t1']);
    expect(answer.json.batchId).toBe(batch.id);
    expect(answer.raw).not.toContain(keyOf(3));
    const links = (await api.call('GET', '/v1/events?action=link.create')).json.items;
    expect(links.some((e: { target: { name: string } }) => e.target.name === 'factory/t1 claim-1')).toBe(true);
    const read = await api.call('GET', `/v1/factory-batches/${batch.id}`, { token: platform });
    expect(read.json).toMatchObject({ devices: 1, claimed: 1, unclaimed: 0 });
    const device = (await api.call('GET', `/v1/factory-batches/${batch.id}/devices`, { token: platform })).json
      .items[0];
    expect(device).toMatchObject({ name: 'claim-1', status: 'claimed', tenantId: 'tenant-factory' });
    const stored = await api.c2.deps.store.getFactoryDevice(batch.id, hashIdAlias('claim-1'));
    expect(stored?.wrappedKey).toBeUndefined();
    const events = (await api.call('GET', '/v1/events?action=client.claim')).json.items;
    expect(
      events.some(
        (e: { target: { name: string }; result: string }) => e.target.name === 'claim-1' && e.result === 'ok',
      ),
    ).toBe(true);

    const reused = await claim({ code });
    expect(reused.status, reused.raw).toBe(409);
    expect(errorCodeOf(reused)).toBe('CLAIM_USED');
    const other = await claim({ code }, await api.tokenOf('tenant-other'));
    expect(other.status, other.raw).toBe(409);
  });

  it('answers 404 with one message for codes that name nothing, 400 for a typo or no code at all', async () => {
    const guessed = await Promise.all(
      [1, 2].map(() => claim({ code: newClaimCode((n) => crypto.getRandomValues(new Uint8Array(n))) })),
    );
    for (const answer of guessed) {
      expect(answer.status, answer.raw).toBe(404);
      expect(answer.json.error.message).toBe(guessed[0]!.json.error.message);
    }
    const { devices } = await register('run 3', [{ name: 'typo-1', key: keyOf(4) }]);
    const code = devices[0]!.code;
    const swapped =
      code.slice(0, 1) === code.slice(1, 2)
        ? `${code.slice(0, 2)}${code.slice(3, 4)}${code.slice(2, 3)}${code.slice(4)}`
        : `${code[1]}${code[0]}${code.slice(2)}`;
    const typo = await claim({ code: swapped });
    expect(typo.status, typo.raw).toBe(400);
    expect(typo.json.error.message).toContain('typo');
    const wrongCheck = code.slice(0, -1) + (code.at(-1) === '0' ? '1' : '0');
    expect((await claim({ code: wrongCheck })).status).toBe(400);
    expect((await claim({ code: 'hello' })).status).toBe(400);
    expect((await claim({})).status).toBe(400);
    expect(checkCharacter('0000')).toBe('0');
    const failed = (await api.call('GET', '/v1/events?action=client.claim')).json.items.filter(
      (e: { result: string }) => e.result === 'error',
    );
    expect(failed.length).toBeGreaterThanOrEqual(4);
  });

  it('onto a topic of clients of the other mode is WRONG_MODE, and leaves the code unused', async () => {
    const { devices } = await register('run 8', [{ name: 'mode-1', publicKey: toBase64(ed25519PublicKey(1)) }]);
    const topic = await api.call('POST', '/v1/topics', { body: { topic: 'factory/symmetric' } });
    const member = await api.call('POST', '/v1/clients', { body: { name: 'mode-member', generateKey: true } });
    expect((await api.call('PUT', `/v1/topics/${topic.json.hash}/clients/${member.json.client.id}`)).status).toBe(200);

    const refused = await claim({ code: devices[0]!.code, topics: ['factory/symmetric'] });
    const claimed = await claim({ code: devices[0]!.code });

    expect(refused.status, refused.raw).toBe(409);
    expect(errorCodeOf(refused)).toBe('WRONG_MODE');
    expect(claimed.status, claimed.raw).toBe(201);
    expect(claimed.json.client).toMatchObject({ name: 'mode-1', mode: 'pubkey' });
  });

  it('of one code by two tenants at once has one winner', async () => {
    const { devices } = await register('run 4', [{ name: 'race-1', key: keyOf(5) }]);
    const tokens = [api.token, await api.tokenOf('tenant-racer')];
    const answers = await Promise.all(tokens.map((token) => claim({ code: devices[0]!.code }, token)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  it('interrupted after the code was taken is finished by the same tenant, refused to another', async () => {
    // Prepare: a crash right after the conditional write (the code taken, nothing else done).
    const { batch, devices } = await register('run 5', [{ name: 'crash-1', key: keyOf(6) }]);
    const id = hashIdAlias('crash-1');
    const { codeHash } = (await api.c2.deps.store.getFactoryDevice(batch.id, id))!;
    expect(
      await api.c2.deps.store.takeFactoryDevice(batch.id, id, codeHash, 'tenant-factory', new Date().toISOString()),
    ).toBe('taken');

    // Act
    const other = await claim({ code: devices[0]!.code }, await api.tokenOf('tenant-thief'));
    const retried = await claim({ code: devices[0]!.code });

    // Assess
    expect(other.status, other.raw).toBe(409);
    expect(retried.status, retried.raw).toBe(201);
    expect(retried.json.client).toMatchObject({ name: 'crash-1', rekeyOnReturn: true });
    expect((await claim({ code: devices[0]!.code })).status).toBe(409);
  });

  it('interrupted after the client was made is finished by a retry that keeps the client', async () => {
    // Prepare: a fault we cannot cause otherwise, the completion write failing once (a crash at that point).
    const { batch, devices } = await register('run 6', [{ name: 'crash-2', key: keyOf(7) }]);
    const store = api.c2.deps.store;
    const complete = store.completeFactoryClaim;
    let failures = 1;
    (store as { completeFactoryClaim: typeof complete }).completeFactoryClaim = async (...args) => {
      if (failures-- > 0) throw new Error('crash');
      return complete(...args);
    };
    try {
      const first = await claim({ code: devices[0]!.code });
      expect(first.status).toBe(500);

      // Act
      const retried = await claim({ code: devices[0]!.code });

      // Assess
      expect(retried.status, retried.raw).toBe(201);
      expect(retried.json.client).toMatchObject({ name: 'crash-2', keyVersion: 1 });
      const device = await store.getFactoryDevice(batch.id, hashIdAlias('crash-2'));
      expect(device?.claim?.completedAt).toBeDefined();
    } finally {
      (store as { completeFactoryClaim: typeof complete }).completeFactoryClaim = complete;
    }
  });
});

describe('a claim retried', () => {
  it('does not keep a client of the same name the tenant made meanwhile, and keeps the factory key', async () => {
    // Prepare: a crash after the id moved to the tenant, then the tenant makes a client of that name (its own key).
    const { batch, devices } = await register('run 9', [{ name: 'resume-1', key: keyOf(11) }]);
    const id = hashIdAlias('resume-1');
    const at = new Date().toISOString();
    const { codeHash } = (await api.c2.deps.store.getFactoryDevice(batch.id, id))!;
    expect(await api.c2.deps.store.takeFactoryDevice(batch.id, id, codeHash, 'tenant-factory', at)).toBe('taken');
    expect(await api.c2.deps.store.transferClientId(`~factory/${batch.id}`, 'tenant-factory', id, at)).toBe(true);
    const own = await api.call('POST', '/v1/clients', { body: { name: 'resume-1', key: keyOf(12) } });
    expect(own.status, own.raw).toBe(201);

    // Act
    const refused = await claim({ code: devices[0]!.code });
    const deleted = await api.call('DELETE', `/v1/clients/${own.json.client.id}`);
    expect(await api.operationFinished(deleted.json.operation.id)).toMatchObject({ status: 'succeeded' });
    const retried = await claim({ code: devices[0]!.code });

    // Assess
    expect(refused.status, refused.raw).toBe(409);
    expect(errorCodeOf(refused)).toBe('ALREADY_EXISTS');
    expect(refused.json.error.message).toContain('another key');
    expect(retried.status, retried.raw).toBe(201);
    expect(retried.json.client).toMatchObject({ name: 'resume-1', keyVersion: 1, rekeyOnReturn: true });
    const client = await api.c2.deps.store.getClient('tenant-factory', 'resume-1');
    const key = await api.c2.deps.vault.unwrap(client!.wrappedKey, {
      tenantId: 'tenant-factory',
      kind: 'client',
      name: 'resume-1',
      version: 1,
    });
    expect(toBase64(key)).toBe(keyOf(11));
  });
});

describe('a registration that fails midway', () => {
  it('is undone: no batch, no device, no code, the names free again', async () => {
    // Prepare: a fault we cannot cause otherwise, the store failing on the third device (DynamoDB throttling).
    const store = api.c2.deps.store;
    const put = store.putFactoryDevice;
    let calls = 0;
    (store as { putFactoryDevice: typeof put }).putFactoryDevice = async (record) => {
      if (++calls === 3) throw new Error('throttled');
      return put(record);
    };
    const devices = Array.from({ length: 6 }, (_, i) => ({ name: `undo-${i}`, key: keyOf(20 + i) }));
    let failed: Awaited<ReturnType<typeof api.call>>;
    try {
      // Act
      failed = await api.call('POST', '/v1/factory-batches', { token: platform, body: { name: 'undone', devices } });
    } finally {
      (store as { putFactoryDevice: typeof put }).putFactoryDevice = put;
    }

    // Assess
    expect(failed.status, failed.raw).toBe(500);
    const batches = (await api.call('GET', '/v1/factory-batches?limit=100', { token: platform })).json.items;
    expect(batches.some((b: { name: string }) => b.name === 'undone')).toBe(false);
    for (const device of devices) expect(await store.getClientIdClaim(hashIdAlias(device.name))).toBeUndefined();
    const again = await register('undone again', devices);
    expect(again.devices).toHaveLength(6);
  });

  it('names its batch when the undoing fails too, and leaves it to be found', async () => {
    // Prepare: faults we cannot cause otherwise, the store failing on the second device and on deleting devices.
    const store = api.c2.deps.store as {
      putFactoryDevice: typeof api.c2.deps.store.putFactoryDevice;
      deleteFactoryDevice: typeof api.c2.deps.store.deleteFactoryDevice;
    };
    const { putFactoryDevice: put, deleteFactoryDevice: remove } = store;
    let calls = 0;
    store.putFactoryDevice = async (record) => {
      if (++calls === 2) throw new Error('throttled');
      return put(record);
    };
    store.deleteFactoryDevice = async () => {
      throw new Error('throttled');
    };
    let failed: Awaited<ReturnType<typeof api.call>>;
    try {
      failed = await api.call('POST', '/v1/factory-batches', {
        token: platform,
        body: {
          name: 'left',
          devices: [
            { name: 'left-1', key: keyOf(30) },
            { name: 'left-2', key: keyOf(31) },
          ],
        },
      });
    } finally {
      store.putFactoryDevice = put;
      store.deleteFactoryDevice = remove;
    }

    expect(failed.status, failed.raw).toBe(500);
    const batches = (await api.call('GET', '/v1/factory-batches?limit=100', { token: platform })).json.items;
    const left = batches.find((b: { name: string }) => b.name === 'left');
    expect(left).toBeDefined();
    const logged = (api.logs.at(-1) as { error?: { message: string } }).error?.message;
    expect(logged).toContain(`factory batch "${left.id}" is left`);
    expect(logged).not.toContain(keyOf(30));
    // The device whose delete failed keeps its name reserved (a tenant cannot take it), the one never written
    // does not; DELETE of the device left frees its name.
    expect((await api.c2.deps.store.getClientIdClaim(hashIdAlias('left-1')))?.tenantId).toBe(`~factory/${left.id}`);
    expect(await api.c2.deps.store.getClientIdClaim(hashIdAlias('left-2'))).toBeUndefined();
    const freed = await api.call('DELETE', `/v1/factory-batches/${left.id}/devices/${hashIdAliasHex('left-1')}`, {
      token: platform,
    });
    expect(freed.status, freed.raw).toBe(200);
    expect(await api.c2.deps.store.getClientIdClaim(hashIdAlias('left-1'))).toBeUndefined();
  });
});

describe('a registration whose writes fail partway under way', () => {
  type Store = typeof api.c2.deps.store;
  /** Replaces store methods for the test's span: an injected fault (DynamoDB throttling, which dynalite never does). */
  async function withStore<T>(faults: Partial<Store>, act: () => Promise<T>): Promise<T> {
    const store = api.c2.deps.store as unknown as Record<string, unknown>;
    const saved = Object.fromEntries(Object.keys(faults).map((name) => [name, store[name]]));
    Object.assign(store, faults);
    try {
      return await act();
    } finally {
      Object.assign(store, saved);
    }
  }
  const batchNamed = async (name: string) =>
    (await api.call('GET', '/v1/factory-batches?limit=100', { token: platform })).json.items.find(
      (b: { name: string }) => b.name === name,
    );
  const lastEventOf = async (action: string) =>
    (await api.c2.deps.store.listEvents(PLATFORM_TENANT, { action }, { limit: 1 })).items[0];

  it('stops the other lanes before undoing: no device, code or reservation left, the names free', async () => {
    // Prepare: injected faults: the 3rd device write throttled, and KMS-like latency on wraps (slower after the
    // first lanes) so that lanes are still writing when the failure comes (what AWS latencies do).
    const store = api.c2.deps.store;
    const vault = api.c2.deps.vault as { wrap: typeof api.c2.deps.vault.wrap };
    const { wrap } = vault;
    const put = store.putFactoryDevice;
    const create = store.createFactoryBatch;
    let batchId = '';
    const hashes: Uint8Array[] = [];
    let wraps = 0;
    let puts = 0;
    vault.wrap = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, ++wraps > 8 ? 200 : 20));
      return wrap.apply(api.c2.deps.vault, args);
    };
    const devices = Array.from({ length: 30 }, (_, i) => ({ name: `lane-${i}`, key: keyOf(40 + i) }));

    // Act
    const failed = await withStore(
      {
        createFactoryBatch: async (record) => {
          batchId = record.id;
          return create(record);
        },
        putFactoryDevice: async (record) => {
          hashes.push(record.codeHash);
          if (++puts === 3) throw new Error('throttled');
          return put(record);
        },
      },
      () => api.call('POST', '/v1/factory-batches', { token: platform, body: { name: 'lanes', devices } }),
    ).finally(() => {
      vault.wrap = wrap;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(failed.status, failed.raw).toBe(500);
    expect(await store.getFactoryBatch(batchId)).toBeUndefined();
    for (const device of devices) {
      expect(await store.getFactoryDevice(batchId, hashIdAlias(device.name))).toBeUndefined();
      expect(await store.getClientIdClaim(hashIdAlias(device.name))).toBeUndefined();
    }
    for (const hash of hashes) expect(await store.findClaimCode(hash)).toBeUndefined();
    expect((await register('lanes again', devices)).devices).toHaveLength(30);
  });

  it('when a reservation fails: releases what it reserved, the batch gone and the names free', async () => {
    // Prepare: an injected fault, the registry's write throttled on the 3rd id.
    const claimId = api.c2.deps.store.claimClientId;
    let calls = 0;
    const devices = Array.from({ length: 12 }, (_, i) => ({ name: `resv-${i}`, key: keyOf(i) }));

    // Act
    const failed = await withStore(
      {
        claimClientId: async (...args) => {
          if (++calls === 3) throw new Error('throttled');
          return claimId(...args);
        },
      },
      () => api.call('POST', '/v1/factory-batches', { token: platform, body: { name: 'resv', devices } }),
    );

    // Assess
    expect(failed.status, failed.raw).toBe(500);
    expect(await batchNamed('resv')).toBeUndefined();
    for (const device of devices)
      expect(await api.c2.deps.store.getClientIdClaim(hashIdAlias(device.name))).toBeUndefined();
    expect((await register('resv again', devices)).devices).toHaveLength(12);
  });

  it('when releasing fails too: keeps the batch, says so in its event, and DELETE of its devices frees the names', async () => {
    // Prepare: injected faults, the 3rd reservation and every release throttled.
    const store = api.c2.deps.store;
    const claimId = store.claimClientId;
    let calls = 0;
    const devices = Array.from({ length: 6 }, (_, i) => ({ name: `keep-${i}`, key: keyOf(60 + i) }));

    // Act
    const failed = await withStore(
      {
        claimClientId: async (...args) => {
          if (++calls === 3) throw new Error('throttled');
          return claimId(...args);
        },
        releaseClientId: async () => {
          throw new Error('throttled');
        },
      },
      () => api.call('POST', '/v1/factory-batches', { token: platform, body: { name: 'keep', devices } }),
    );

    // Assess
    expect(failed.status, failed.raw).toBe(500);
    const kept = await batchNamed('keep');
    expect(kept).toBeDefined();
    expect(await lastEventOf('factory.batch.create')).toMatchObject({
      result: 'error',
      target: { name: kept.id },
      details: { leftBehind: true },
    });
    const held = [];
    for (const device of devices) {
      const claimOf = await store.getClientIdClaim(hashIdAlias(device.name));
      if (claimOf) held.push(device.name);
      if (claimOf) expect(claimOf.tenantId).toBe(`~factory/${kept.id}`);
    }
    expect(held.length).toBeGreaterThan(0);
    for (const name of held) {
      const freed = await api.call('DELETE', `/v1/factory-batches/${kept.id}/devices/${hashIdAliasHex(name)}`, {
        token: platform,
      });
      expect(freed.status, freed.raw).toBe(200);
    }
    expect((await register('keep again', devices)).devices).toHaveLength(6);
  });
});

describe('a claim whose device name another owner holds', () => {
  // Prepare (each): the state a lost reservation leaves (what a failed registration's undo used to leave): the
  // batch's reservation released directly in the store, then another tenant makes a client of that name.
  async function heldElsewhere(name: string, seed: number) {
    const registered = await register(`held ${name}`, [{ name, key: keyOf(seed) }]);
    await api.c2.deps.store.releaseClientId(`~factory/${registered.batch.id}`, hashIdAlias(name));
    const other = await api.call('POST', '/v1/clients', {
      token: await api.tokenOf('tenant-holder'),
      body: { name, key: keyOf(seed + 1) },
    });
    expect(other.status, other.raw).toBe(201);
    return { batchId: registered.batch.id, device: registered.devices[0]! };
  }

  it('gives the code back with a message of its own: the device is unclaimed, the operator deletes it', async () => {
    const { batchId, device } = await heldElsewhere('held-1', 80);

    // Act
    const first = await claim({ code: device.code });
    const again = await claim({ code: device.code });
    const deleted = await api.call('DELETE', `/v1/factory-batches/${batchId}/devices/${device.id}`, {
      token: platform,
    });

    // Assess
    for (const answer of [first, again]) {
      expect(answer.status, answer.raw).toBe(409);
      expect(answer.json.error).toEqual({ code: 'ALREADY_EXISTS', message: NAME_HELD_ELSEWHERE });
    }
    expect(deleted.status, deleted.raw).toBe(200);
    expect(await api.c2.deps.store.getFactoryDevice(batchId, hashIdAlias('held-1'))).toBeUndefined();
    expect((await claim({ code: device.code })).status).toBe(404);
  });

  it('left incomplete (a crash before the code was given back) is removed by the operator', async () => {
    const { batchId, device } = await heldElsewhere('held-2', 82);
    const id = hashIdAlias('held-2');
    const { codeHash } = (await api.c2.deps.store.getFactoryDevice(batchId, id))!;
    expect(
      await api.c2.deps.store.takeFactoryDevice(batchId, id, codeHash, 'tenant-factory', new Date().toISOString()),
    ).toBe('taken');

    // Act
    const deleted = await api.call('DELETE', `/v1/factory-batches/${batchId}/devices/${device.id}`, {
      token: platform,
    });

    // Assess
    expect(deleted.status, deleted.raw).toBe(200);
    expect(await api.c2.deps.store.getFactoryDevice(batchId, id)).toBeUndefined();
    expect((await api.c2.deps.store.getClientIdClaim(id))?.tenantId).toBe('tenant-holder');
  });
});

describe('an operator change to a device whose claim is under way', () => {
  it('is CLAIM_USED saying the claim is under way (the tenant holds the id: its retry finishes it)', async () => {
    // Prepare: a claim interrupted after the id moved to the tenant, before the client was made.
    const { batch, devices } = await register('under way', [{ name: 'underway-1', key: keyOf(84) }]);
    const id = hashIdAlias('underway-1');
    const at = new Date().toISOString();
    const { codeHash } = (await api.c2.deps.store.getFactoryDevice(batch.id, id))!;
    expect(await api.c2.deps.store.takeFactoryDevice(batch.id, id, codeHash, 'tenant-factory', at)).toBe('taken');
    expect(await api.c2.deps.store.transferClientId(`~factory/${batch.id}`, 'tenant-factory', id, at)).toBe(true);
    const path = `/v1/factory-batches/${batch.id}/devices/${devices[0]!.id}`;

    // Act
    const deleted = await api.call('DELETE', path, { token: platform });
    const reissued = await api.call('POST', `${path}/code`, { token: platform });

    // Assess
    for (const answer of [deleted, reissued]) {
      expect(answer.status, answer.raw).toBe(409);
      expect(errorCodeOf(answer)).toBe('CLAIM_USED');
      expect(answer.json.error.message).toContain('a claim of this device is under way');
    }
    expect((await claim({ code: devices[0]!.code })).status).toBe(201);
  });
});

describe('a code whose device is gone', () => {
  it('answers 404 and is deleted', async () => {
    // Prepare: a delete that stopped after the device, before its code.
    const { batch, devices } = await register('run 10', [{ name: 'orphan-1', key: keyOf(13) }]);
    const store = api.c2.deps.store;
    expect(await store.deleteFactoryDevice(batch.id, hashIdAlias('orphan-1'))).toBe('deleted');
    const { claimCodeHash, parseClaimCode } = await import('../../../shared/c2/factory/claimCode.js');
    const parsed = parseClaimCode(devices[0]!.code);
    const hash = claimCodeHash(parsed.ok ? parsed.canonical : '');
    expect(await store.findClaimCode(hash)).toBeDefined();

    // Act
    const answer = await claim({ code: devices[0]!.code });

    // Assess
    expect(answer.status, answer.raw).toBe(404);
    expect(await store.findClaimCode(hash)).toBeUndefined();
  });
});

describe('deleting a factory device', () => {
  it('deletes an unclaimed one (its code stops, its name is free) and refuses a claimed one', async () => {
    const { batch, devices } = await register('run 7', [
      { name: 'del-1', key: keyOf(8) },
      { name: 'del-2', key: keyOf(9) },
    ]);
    const [one, two] = devices as [Registered['devices'][0], Registered['devices'][0]];
    expect((await claim({ code: two.code })).status).toBe(201);

    const deleted = await api.call('DELETE', `/v1/factory-batches/${batch.id}/devices/${one.id}`, { token: platform });
    expect(deleted.status, deleted.raw).toBe(200);
    expect((await claim({ code: one.code })).status).toBe(404);
    const created = await api.call('POST', '/v1/clients', { body: { name: 'del-1', key: keyOf(10) } });
    expect(created.status, created.raw).toBe(201);
    const again = await api.call('DELETE', `/v1/factory-batches/${batch.id}/devices/${one.id}`, { token: platform });
    expect(again.status, again.raw).toBe(404);
    const claimed = await api.call('DELETE', `/v1/factory-batches/${batch.id}/devices/${two.id}`, { token: platform });
    expect(claimed.status, claimed.raw).toBe(409);
    expect((await api.call('GET', `/v1/factory-batches/${batch.id}`, { token: platform })).json).toMatchObject({
      devices: 1,
      claimed: 1,
    });
  });
});
