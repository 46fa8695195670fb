/**
 * Public-key mode through the HTTP API alone, over the local adapters: the C2 public key, two public-key clients
 * linked to a topic (they get each other's public keys), public keys sent, removed and reset by hand (WRONG_MODE for
 * a symmetric client), a new identity key, and a new C2 key sent to every public-key client. No device is connected:
 * the broker's QoS 1 acknowledgement is what counts as delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesToHex,
  fromBase64,
  hashIdAlias,
  hashTopic,
  randomEd25519KeyPair,
  toBase64,
} from '../../../shared/e4/index.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
/** Every event gets its own millisecond, so that the log's order is the order of the calls. */
let now = Date.parse('2026-11-23T10:00:00.000Z');

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-pk-flow', clock: () => ++now });
});
afterAll(async () => {
  await api?.close();
});

const P1 = 'pk/alice';
const P2 = 'pk/bob';
const S = 'symmetric carol';
const TOPIC = 'pk/room';
const idOf = (name: string) => bytesToHex(hashIdAlias(name));
const delivered = (count: number) => ({ sent: count, delivered: count, failed: [] });
const linkPath = (name: string) => `/v1/topics/${bytesToHex(hashTopic(TOPIC))}/clients/${idOf(name)}`;
const pubKeyPath = (target: string, source: string) => `/v1/clients/${idOf(target)}/pubkeys/${idOf(source)}`;

async function storedPublicKey(name: string): Promise<Uint8Array> {
  const record = await api.c2.deps.store.getClient(api.tenantId, name);
  if (!record) throw new Error(`no client ${name}`);
  return api.c2.deps.vault.unwrap(record.wrappedKey, {
    tenantId: api.tenantId,
    kind: 'client',
    name,
    version: record.keyVersion,
  });
}

describe('public-key mode, through the API', () => {
  /** The outcome of the resyncs the new keys asked for, as their operations say (operations of their own). */
  let resyncResult = 'ok';
  const resyncs = (count: number) => Array.from({ length: count }, () => ['client.resync', resyncResult]);
  const enrolled = new Map<string, Uint8Array>();
  let c2Key: { publicKey: string; fingerprint: string; keyVersion: number; updatedAt: string };

  it('enrols two public-key clients from their Ed25519 public keys, and a symmetric one', async () => {
    // Prepare
    for (const name of [P1, P2]) enrolled.set(name, randomEd25519KeyPair().publicKey);

    // Act
    const answers = [
      ...(await Promise.all(
        [P1, P2].map((name) =>
          api.call('POST', '/v1/clients', {
            body: { name, mode: 'pubkey', publicKey: toBase64(enrolled.get(name)!) },
          }),
        ),
      )),
      await api.call('POST', '/v1/clients', { body: { name: S, generateKey: true } }),
    ];

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
    expect(answers.map((answer) => [answer.json.client.id, answer.json.client.mode])).toEqual([
      [idOf(P1), 'pubkey'],
      [idOf(P2), 'pubkey'],
      [idOf(S), 'symmetric'],
    ]);
  });

  it('GET /v1/keys/c2: the C2 public key in base64, its fingerprint and version, the same on every read', async () => {
    // Act
    const first = await api.call('GET', '/v1/keys/c2');
    const again = await api.call('GET', '/v1/keys/c2');

    // Assess
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      publicKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      keyVersion: 1,
      updatedAt: expect.any(String),
    });
    expect(first.json.fingerprint).toBe(bytesToHex(fromBase64(first.json.publicKey)!.subarray(0, 8)));
    expect(again.json).toEqual(first.json);
    const stored = await api.c2.deps.store.getC2Key(api.tenantId);
    expect(toBase64(stored!.publicKey)).toBe(first.json.publicKey);
    c2Key = first.json;
  });

  it('links both to a topic: the second gets the key and the first one public key, the first its public key', async () => {
    // Prepare
    expect((await api.call('POST', '/v1/topics', { body: { topic: TOPIC } })).status).toBe(201);

    // Act
    const first = await api.call('PUT', linkPath(P1));
    const second = await api.call('PUT', linkPath(P2));

    // Assess
    expect(first.json).toEqual({ topic: TOPIC, client: P1, keyVersion: 1, delivery: delivered(1) });
    expect(second.json).toEqual({ topic: TOPIC, client: P2, keyVersion: 1, delivery: delivered(3) });
  });

  it('a symmetric client cannot join the topic of public-key clients (400)', async () => {
    const answer = await api.call('PUT', linkPath(S));
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
  });

  it('sends, removes and resets public keys by hand: one command each', async () => {
    // Act
    const sent = await api.call('PUT', pubKeyPath(P1, P2));
    const removed = await api.call('DELETE', pubKeyPath(P1, P2));
    const reset = await api.call('DELETE', `/v1/clients/${idOf(P1)}/pubkeys`);

    // Assess
    expect([sent.status, removed.status, reset.status]).toEqual([200, 200, 200]);
    for (const answer of [sent, removed, reset]) expect(answer.json).toEqual({ delivery: delivered(1) });
  });

  it.each([
    ['PUT', pubKeyPath(S, P1), 'a symmetric target'],
    ['PUT', pubKeyPath(P1, S), 'a symmetric source'],
    ['DELETE', pubKeyPath(S, P1), 'a symmetric target (remove)'],
    ['DELETE', `/v1/clients/${idOf(S)}/pubkeys`, 'a symmetric client (reset)'],
  ])('%s %s (%s) is 409 WRONG_MODE', async (method, path) => {
    const answer = await api.call(method, path);
    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe('WRONG_MODE');
  });

  it('a public key of an unknown client is 404', async () => {
    const answer = await api.call('PUT', `/v1/clients/${idOf(P1)}/pubkeys/${idOf('nobody')}`);
    expect(answer.status).toBe(404);
    expect(errorCodeOf(answer)).toBe('NOT_FOUND');
  });

  it('a new identity key as an operation: SetIDKey to the client, then a resync; no key in the response', async () => {
    // Act
    const answer = await api.call('POST', `/v1/clients/${idOf(P1)}/identity-key`);
    const done = await api.operationFinished(answer.json.operation.id);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      client: expect.objectContaining({ name: P1, id: idOf(P1), mode: 'pubkey', keyVersion: 1 }),
      operation: expect.objectContaining({ kind: 'client.identityKey', status: 'pending' }),
    });
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 1, sent: 1 } });
    const resyncs = await api.call('GET', '/v1/operations?kind=client.resync');
    expect(resyncs.json.items).toEqual([expect.objectContaining({ target: { type: 'client', name: P1 } })]);
    const resync = await api.operationFinished(resyncs.json.items[0].id);
    resyncResult = resync.status === 'failed' ? resync.error!.code : 'ok';
    const stored = await storedPublicKey(P1);
    expect(stored).toHaveLength(32);
    expect(bytesToHex(stored)).not.toBe(bytesToHex(enrolled.get(P1)!));
    for (const raw of [answer.raw, JSON.stringify(done)]) {
      expect(raw).not.toContain(toBase64(stored));
      expect(raw).not.toContain(bytesToHex(stored));
    }
  });

  it('rotates the C2 key as an operation: SetC2Key to every public-key client (not the symmetric one), then the new key is current', async () => {
    // Act
    const answer = await api.call('POST', '/v1/keys/c2/rotate');
    const done = await api.operationFinished(answer.json.operation.id);
    const read = await api.call('GET', '/v1/keys/c2');

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.json.c2Key).toEqual(c2Key);
    expect(answer.json.operation).toMatchObject({ kind: 'c2key.rotate', target: { type: 'c2key', name: 'c2' } });
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 2, sent: 2 } });
    expect(read.json).toMatchObject({ keyVersion: 2 });
    expect(read.json.publicKey).not.toBe(c2Key.publicKey);
    expect(read.json.fingerprint).toBe(bytesToHex(fromBase64(read.json.publicKey)!.subarray(0, 8)));
    expect(read.json).not.toHaveProperty('pendingVersion');
    const devices = await api.call('GET', `/v1/operations/${done.id}/devices`);
    expect(devices.json.items.map((item: { client: { name: string } }) => item.client.name).sort()).toEqual(
      [P1, P2].sort(),
    );
    const resyncs = await api.call('GET', '/v1/operations?kind=client.resync&limit=10');
    for (const item of resyncs.json.items) await api.operationFinished(item.id);
    expect(resyncs.json.items).toHaveLength(3); // one of the identity key, one per client the C2 key reached
  });

  it('the event log has the public-key changes and refusals, newest first (an unknown id is refused before)', async () => {
    const answer = await api.call('GET', '/v1/events?limit=13');
    const events = answer.json.items as { action: string; result: string; errorCode?: string }[];
    expect(events.map((event) => [event.action, event.errorCode ?? event.result])).toEqual([
      ...resyncs(2),
      ['c2key.rotate', 'ok'],
      ...resyncs(1),
      ['client.identityKey', 'ok'],
      ['pubkey.reset', 'WRONG_MODE'],
      ['pubkey.remove', 'WRONG_MODE'],
      ['pubkey.send', 'WRONG_MODE'],
      ['pubkey.send', 'WRONG_MODE'],
      ['pubkey.reset', 'ok'],
      ['pubkey.remove', 'ok'],
      ['pubkey.send', 'ok'],
      ['link.create', 'INVALID_INPUT'],
    ]);
  });
});
