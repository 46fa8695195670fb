/**
 * The device files shared by `e4c2 device` and the demo device (cli/device/): where the enrolment goes beside a
 * state file, that it is written 0600 and read back, when broker credentials are asked for (only for an enrolment
 * saved without them) and kept, and what an enrolment request carries in each mode (the key, or only the public key).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerLogin, enrolmentPathOf, readEnrolment, writeEnrolment } from '../../cli/device/deviceEnrolment.js';
import { enrolmentRequest, newDeviceIdentity } from '../../cli/device/newDeviceIdentity.js';
import {
  decodeState,
  FileStateStore,
  fromBase64,
  MemoryStateStore,
  randomKey,
  toBase64,
  x25519PublicKey,
} from '../../shared/e4/node/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e4c2-device-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('device enrolment files', () => {
  it('puts the enrolment beside the state file', () => {
    expect(enrolmentPathOf('/d/alice.json')).toBe('/d/alice.enrolment.json');
    expect(enrolmentPathOf('alice.state')).toBe('alice.state.enrolment.json');
  });

  it('writes it 0600 and reads it back; nothing when absent', async () => {
    const path = join(dir, 'a.enrolment.json');
    expect(await readEnrolment(path)).toBeUndefined();
    const enrolment = { createdAt: '2026-01-01T00:00:00.000Z', mqtt: { username: 'u', password: 'p' } };
    await writeEnrolment(path, enrolment);
    expect(await readEnrolment(path)).toEqual(enrolment);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('asks for broker credentials only for an enrolment saved without them, and keeps them', async () => {
    const path = join(dir, 'b.enrolment.json');
    let asked = 0;
    const issue = async () => {
      asked++;
      return { username: 'b', password: 'secret' };
    };
    expect(await brokerLogin(path, issue)).toBeUndefined(); // no enrolment: a state made elsewhere
    await writeEnrolment(path, { createdAt: '2026-01-01T00:00:00.000Z' });
    expect(await brokerLogin(path, issue)).toEqual({ username: 'b', password: 'secret' });
    expect(await brokerLogin(path, issue)).toEqual({ username: 'b', password: 'secret' });
    expect(asked).toBe(1);
    expect((await readEnrolment(path))?.mqtt).toEqual({ username: 'b', password: 'secret' });
    await writeEnrolment(path, { createdAt: '2026-01-01T00:00:00.000Z' });
    expect(await brokerLogin(path, async () => undefined)).toBeUndefined(); // the C2 issues none
    expect(await readEnrolment(path)).toEqual({ createdAt: '2026-01-01T00:00:00.000Z' });
  });
});

describe('a new device identity', () => {
  it('is saved before it is enrolled, and its request carries its key (symmetric)', async () => {
    const store = new FileStateStore(join(dir, 'alice.json'));
    const client = await newDeviceIdentity(store, 'alice', 'symmetric');
    const saved = decodeState((await store.load()) as Uint8Array);
    expect(saved.id).toEqual(client.id);
    const request = enrolmentRequest(client, 'alice');
    expect(request).toEqual({ name: 'alice', key: expect.any(String) });
    if (saved.identity.mode !== 'symmetric' || !('key' in request)) throw new Error('symmetric expected');
    expect(fromBase64(request.key)).toEqual(saved.identity.key);
  });

  it("in public-key mode, takes the C2's public key and sends only its own public key", async () => {
    const c2PublicKey = x25519PublicKey(randomKey());
    const client = await newDeviceIdentity(new MemoryStateStore(), 'bob', 'pubkey', async () => c2PublicKey);
    expect(enrolmentRequest(client, 'bob')).toEqual({
      name: 'bob',
      mode: 'pubkey',
      publicKey: toBase64(client.publicKey as Uint8Array),
    });
    await expect(newDeviceIdentity(new MemoryStateStore(), 'carol', 'pubkey')).rejects.toThrow(TypeError);
  });
});
