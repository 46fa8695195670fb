/** Topic use cases over the local adapters (dynalite, keyring file, aedes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { countTopics, getTopic, listTopics } from '../../../shared/c2/topics/readTopics.js';
import { bytesToHex, hashTopic, isAllZero } from '../../../shared/e4/index.js';
import { inHashOrder } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

const TENANT = 'tenant-a';
let c2: LocalC2;
beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => Date.parse('2026-11-23T10:00:00.000Z') });
});
afterAll(async () => {
  await c2?.close();
});

describe('createTopic', () => {
  it('creates a topic with a fresh random key, stored wrapped under its binding, shown without it', async () => {
    // Act
    const view = await createTopic(c2.deps, callerOf(TENANT), { topic: 'sensors/temp' });
    await createTopic(c2.deps, callerOf(TENANT), { topic: 'sensors/humidity' });

    // Assess
    expect(view).toEqual({
      topic: 'sensors/temp',
      hash: bytesToHex(hashTopic('sensors/temp')),
      keyVersion: 1,
      createdAt: '2026-11-23T10:00:00.000Z',
      updatedAt: '2026-11-23T10:00:00.000Z',
    });
    const [temp, humidity] = await Promise.all(
      ['sensors/temp', 'sensors/humidity'].map(async (topic) => {
        const record = await c2.deps.store.getTopic(TENANT, topic);
        return c2.deps.vault.unwrap(record!.wrappedKey, { tenantId: TENANT, kind: 'topic', name: topic, version: 1 });
      }),
    );
    expect(temp).toHaveLength(32);
    expect(isAllZero(temp!)).toBe(false);
    expect(temp).not.toEqual(humidity);
  });

  it('an existing topic is ALREADY_EXISTS (E4 rotated its key instead)', async () => {
    await createTopic(c2.deps, callerOf(TENANT), { topic: 'once' });
    const before = await c2.deps.store.getTopic(TENANT, 'once');
    expect(await codeOfAsync(() => createTopic(c2.deps, callerOf(TENANT), { topic: 'once' }))).toBe(
      C2ErrorCode.AlreadyExists,
    );
    expect((await c2.deps.store.getTopic(TENANT, 'once'))?.wrappedKey).toEqual(before?.wrappedKey);
  });

  it.each([
    ['empty', ''],
    ['over 512 bytes', 't'.repeat(513)],
    ['with a wildcard +', 'sensors/+/temp'],
    ['with a wildcard #', 'sensors/#'],
    ['with NUL', 'a\u0000b'],
    ['under e4/ (control topics)', 'e4/00112233445566778899aabbccddeeff'],
    ['not a string', 42],
  ])('refuses a topic %s with INVALID_INPUT', async (_label, topic) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
    expect(await codeOfAsync(() => createTopic(c2.deps, callerOf(TENANT), { topic } as any))).toBe(
      C2ErrorCode.InvalidInput,
    );
  });

  it('accepts a topic of exactly 512 bytes and unicode topics', async () => {
    await createTopic(c2.deps, callerOf('tenant-edge'), { topic: 't'.repeat(512) });
    await createTopic(c2.deps, callerOf('tenant-edge'), { topic: 'Ünïcødé/トピック' });
    expect(await countTopics(c2.deps, callerOf('tenant-edge'))).toBe(2);
  });
});

describe('getTopic, listTopics, countTopics', () => {
  it('reads, lists in topic hash order with cursors and counts; NOT_FOUND for an unknown topic', async () => {
    const tenant = 'tenant-list';
    for (const topic of ['c/1', 'a/1', 'b/1']) await createTopic(c2.deps, callerOf(tenant), { topic });
    const first = await listTopics(c2.deps, callerOf(tenant), { limit: 2 });
    const second = await listTopics(c2.deps, callerOf(tenant), { limit: 2, cursor: first.cursor! });
    expect([...first.items, ...second.items].map((t) => t.topic)).toEqual(inHashOrder(['a/1', 'b/1', 'c/1']));
    expect(await countTopics(c2.deps, callerOf(tenant))).toBe(3);
    expect((await getTopic(c2.deps, callerOf(tenant), 'b/1')).keyVersion).toBe(1);
    expect(await codeOfAsync(() => getTopic(c2.deps, callerOf(tenant), 'z/1'))).toBe(C2ErrorCode.NotFound);
    expect(await codeOfAsync(() => listTopics(c2.deps, callerOf(tenant), { limit: 0 }))).toBe(C2ErrorCode.InvalidInput);
  });
});
