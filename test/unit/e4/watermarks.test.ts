/**
 * Commands never roll a client back: a command older than the last change of the same key (a replay inside E4's
 * 10-minute window, or a delivery out of order) is refused with STALE_COMMAND and changes nothing. Per topic, per
 * public key, for the identity key and the C2 key; ResetTopics / ResetPubKeys are floors of their family. The
 * watermarks survive a restart and are pruned once older than the replay window.
 */
import { describe, expect, it } from 'vitest';
import {
  c2CommandKey,
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetPubKeys,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  decodeState,
  E4Client,
  E4Error,
  E4ErrorCode,
  MemoryStateStore,
  protectCommand,
  pureEngine,
  randomEd25519KeyPair,
  randomKey,
  unprotectSymKey,
  utf8,
  x25519PublicKey,
} from '../../../shared/e4/index.js';

const T = 1_700_000_000;
const TOPIC = 'sensors/temp';

interface TestDevice {
  readonly client: E4Client;
  readonly clock: { now: number };
  readonly store: MemoryStateStore;
  commandKey: Uint8Array;
  send(command: Uint8Array, sentAt: number, target?: E4Client): string;
}

/** A symmetric device on a clock the test moves, and its C2: `send` protects a command at a given time. */
async function symmetricDevice(options: { store?: MemoryStateStore; futureToleranceSeconds?: number } = {}) {
  const key = randomKey();
  const clock = { now: T };
  const store = options.store ?? new MemoryStateStore();
  const client = await E4Client.create(
    { mode: 'symmetric', key },
    { store, clock: () => ({ seconds: clock.now, nanos: 0 }), futureToleranceSeconds: options.futureToleranceSeconds },
  );
  const device: TestDevice = {
    client,
    clock,
    store,
    commandKey: key,
    /** The outcome of a command sent at `sentAt`: 'ok' or the E4Error code. */
    send(command: Uint8Array, sentAt: number, target = device.client): string {
      const protectedCommand = protectCommand(command, device.commandKey, { timestamp: sentAt });
      try {
        const result = target.unprotect(protectedCommand, target.receivingTopic);
        return result.kind;
      } catch (error) {
        if (error instanceof E4Error) return error.code;
        throw error;
      }
    },
  };
  return device;
}

/** True when `client` protects for TOPIC under `key` (its current key). */
function protectsUnder(client: E4Client, key: Uint8Array): boolean {
  try {
    unprotectSymKey(client.protectMessage(utf8('probe'), TOPIC), key, { clock: () => ({ seconds: T, nanos: 0 }) });
    return true;
  } catch {
    return false;
  }
}

describe('commands never roll a device back (symmetric mode)', () => {
  it('refuses a replayed SetTopicKey older than the one that installed the current key, changing nothing', async () => {
    // Prepare: K1 sent at T-100, then a rotation to K2 sent at T-50; the first command is captured
    const device = await symmetricDevice();
    const [k1, k2] = [randomKey(), randomKey()];
    expect(device.send(cmdSetTopicKey(k1, TOPIC), T - 100)).toBe('command');
    expect(device.send(cmdSetTopicKey(k2, TOPIC), T - 50)).toBe('command');
    const before = device.client.exportState();

    // Act
    const replay = device.send(cmdSetTopicKey(k1, TOPIC), T - 100);

    // Assess
    expect(replay).toBe(E4ErrorCode.StaleCommand);
    expect(protectsUnder(device.client, k2)).toBe(true);
    expect(device.client.exportState()).toEqual(before);
  });

  it('keeps a remaining device on the new key when the SetTopicKey before a removal is replayed', async () => {
    // Prepare: A and B share K1; B is removed from the topic, so the C2 re-keys A with K2
    const a = await symmetricDevice();
    const b = await symmetricDevice();
    const [k1, k2] = [randomKey(), randomKey()];
    const k1ForA = cmdSetTopicKey(k1, TOPIC);
    expect(a.send(k1ForA, T - 300)).toBe('command');
    expect(b.send(cmdSetTopicKey(k1, TOPIC), T - 300)).toBe('command');
    expect(b.send(cmdRemoveTopic(TOPIC), T - 200)).toBe('command');
    expect(a.send(cmdSetTopicKey(k2, TOPIC), T - 200)).toBe('command');

    // Act: the captured SetTopicKey(K1) of A, replayed within the 10-minute window
    const replay = a.send(k1ForA, T - 300);

    // Assess: A still protects under K2, which B (who kept K1) cannot read
    expect(replay).toBe(E4ErrorCode.StaleCommand);
    expect(protectsUnder(a.client, k2)).toBe(true);
    expect(protectsUnder(a.client, k1)).toBe(false);
  });

  it('ends on the newer key when two rotations arrive out of order', async () => {
    // Prepare
    const device = await symmetricDevice();
    const [k2, k3] = [randomKey(), randomKey()];

    // Act: the rotation sent at T-10 (K3) arrives before the one sent at T-20 (K2)
    const newer = device.send(cmdSetTopicKey(k3, TOPIC), T - 10);
    const older = device.send(cmdSetTopicKey(k2, TOPIC), T - 20);

    // Assess
    expect([newer, older]).toEqual(['command', E4ErrorCode.StaleCommand]);
    expect(protectsUnder(device.client, k3)).toBe(true);
  });

  it('accepts a command of the same second (a repeat), and older commands for other topics', async () => {
    // Prepare
    const device = await symmetricDevice();
    const key = randomKey();
    expect(device.send(cmdSetTopicKey(key, TOPIC), T - 10)).toBe('command');

    // Act
    const repeat = device.send(cmdSetTopicKey(key, TOPIC), T - 10);
    const otherTopic = device.send(cmdSetTopicKey(randomKey(), 'sensors/other'), T - 500);

    // Assess
    expect([repeat, otherTopic]).toEqual(['command', 'command']);
  });

  it('refuses a RemoveTopic older than the SetTopicKey that installed the key', async () => {
    // Prepare
    const device = await symmetricDevice();
    const key = randomKey();
    expect(device.send(cmdSetTopicKey(key, TOPIC), T - 10)).toBe('command');

    // Act
    const removal = device.send(cmdRemoveTopic(TOPIC), T - 20);

    // Assess
    expect(removal).toBe(E4ErrorCode.StaleCommand);
    expect(protectsUnder(device.client, key)).toBe(true);
  });

  it('refuses a replayed SetIDKey that would put back a replaced identity key', async () => {
    // Prepare: the identity key goes K_a -> K_b (sent at T-100 under K_a), then back to K_a (at T-50 under K_b)
    const device = await symmetricDevice();
    const ka = device.commandKey;
    const kb = randomKey();
    const toKb = protectCommand(cmdSetIdKey(kb), ka, { timestamp: T - 100 });
    expect(device.client.unprotect(toKb, device.client.receivingTopic).kind).toBe('command');
    device.commandKey = kb;
    expect(device.send(cmdSetIdKey(ka), T - 50)).toBe('command');
    device.commandKey = ka;

    // Act: the first SetIDKey again (it authenticates: it is protected under the current key K_a)
    const replay = (() => {
      try {
        return device.client.unprotect(toKb, device.client.receivingTopic).kind;
      } catch (error) {
        return (error as E4Error).code;
      }
    })();

    // Assess: still on K_a
    expect(replay).toBe(E4ErrorCode.StaleCommand);
    expect(device.send(cmdResetTopics(), T)).toBe('command');
    device.commandKey = kb;
    expect(device.send(cmdResetTopics(), T)).toBe(E4ErrorCode.AuthenticationFailed);
  });

  it('treats ResetTopics as a floor for every topic, and refuses a reset older than a topic change', async () => {
    // Prepare
    const device = await symmetricDevice();
    const key = randomKey();
    const setKey = cmdSetTopicKey(key, TOPIC);
    expect(device.send(setKey, T - 100)).toBe('command');
    expect(device.send(cmdResetTopics(), T - 50)).toBe('command');

    // Act
    const replay = device.send(setKey, T - 100);
    const neverSet = device.send(cmdSetTopicKey(randomKey(), 'sensors/never-set'), T - 60);
    const fresh = device.send(cmdSetTopicKey(key, TOPIC), T - 40);
    const olderReset = device.send(cmdResetTopics(), T - 45);

    // Assess
    expect([replay, neverSet, fresh, olderReset]).toEqual([
      E4ErrorCode.StaleCommand,
      E4ErrorCode.StaleCommand,
      'command',
      E4ErrorCode.StaleCommand,
    ]);
    expect(protectsUnder(device.client, key)).toBe(true);
  });

  it('keeps its watermarks across a restart (save, then load)', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const device = await symmetricDevice({ store });
    const [k1, k2] = [randomKey(), randomKey()];
    expect(device.send(cmdSetTopicKey(k1, TOPIC), T - 100)).toBe('command');
    expect(device.send(cmdSetTopicKey(k2, TOPIC), T - 50)).toBe('command');
    await device.client.flush();

    // Act
    const restarted = await E4Client.load({ store, clock: () => ({ seconds: T, nanos: 0 }) });
    const replay = device.send(cmdSetTopicKey(k1, TOPIC), T - 100, restarted);

    // Assess
    expect(replay).toBe(E4ErrorCode.StaleCommand);
    expect(protectsUnder(restarted, k2)).toBe(true);
  });

  it('prunes watermarks once older than the replay window (600 s + future tolerance)', async () => {
    // Prepare
    const device = await symmetricDevice({ futureToleranceSeconds: 30 });
    expect(device.send(cmdSetTopicKey(randomKey(), TOPIC), T)).toBe('command');
    const withWatermark = decodeState(device.client.exportState()).watermarks;

    // Act
    device.clock.now = T + 630;
    const atTheEdge = decodeState(device.client.exportState()).watermarks;
    device.clock.now = T + 631;
    const after = device.client.exportState();

    // Assess: the document is then e4go's own, with no extra field
    expect(withWatermark?.topics?.size).toBe(1);
    expect(atTheEdge?.topics?.size).toBe(1);
    expect(decodeState(after).watermarks).toBeUndefined();
    expect(new TextDecoder().decode(after)).not.toContain('Watermarks');
  });
});

describe('commands never roll a device back (public-key mode)', () => {
  /** A public-key device; `send` protects a command under the channel of the C2 key pair `c2` (default: the first). */
  async function pubkeyDevice() {
    const c2Keys = [randomKey(), randomKey()];
    const { privateKey, publicKey } = randomEd25519KeyPair();
    const client = await E4Client.create(
      { mode: 'pubkey', privateKey, c2PublicKey: x25519PublicKey(c2Keys[0]!) },
      { clock: () => ({ seconds: T, nanos: 0 }) },
    );
    const protect = (command: Uint8Array, sentAt: number, c2 = 0) =>
      protectCommand(command, c2CommandKey(pureEngine, c2Keys[c2]!, publicKey), { timestamp: sentAt });
    const deliver = (protectedCommand: Uint8Array): string => {
      try {
        return client.unprotect(protectedCommand, client.receivingTopic).kind;
      } catch (error) {
        if (error instanceof E4Error) return error.code;
        throw error;
      }
    };
    const send = (command: Uint8Array, sentAt: number, c2 = 0) => deliver(protect(command, sentAt, c2));
    return { client, send, deliver, protect, c2Public: c2Keys.map((key) => x25519PublicKey(key)) };
  }

  it('refuses a SetPubKey older than the RemovePubKey of the same id, and older than ResetPubKeys', async () => {
    // Prepare
    const { send } = await pubkeyDevice();
    const peer = randomEd25519KeyPair();
    expect(send(cmdSetPubKey(peer.publicKey, 'peer'), T - 100)).toBe('command');
    expect(send(cmdRemovePubKey('peer'), T - 50)).toBe('command');

    // Act
    const replay = send(cmdSetPubKey(peer.publicKey, 'peer'), T - 100);
    const reset = send(cmdResetPubKeys(), T - 40);
    const beforeReset = send(cmdSetPubKey(peer.publicKey, 'another'), T - 45);

    // Assess
    expect([replay, reset, beforeReset]).toEqual([E4ErrorCode.StaleCommand, 'command', E4ErrorCode.StaleCommand]);
  });

  it('refuses a replayed SetC2Key that would put back a replaced C2 key', async () => {
    // Prepare: the C2 key goes C0 -> C1 (sent at T-100 on the C0 channel), then back to C0 (at T-50 on C1's)
    const { send, deliver, protect, c2Public, client } = await pubkeyDevice();
    const toC1 = protect(cmdSetC2Key(c2Public[1]!), T - 100, 0);
    expect(deliver(toC1)).toBe('command');
    expect(send(cmdSetC2Key(c2Public[0]!), T - 50, 1)).toBe('command');
    const before = client.exportState();

    // Act: the first SetC2Key again (it authenticates: the channel is C0's again)
    const replay = deliver(toC1);

    // Assess: still on C0
    expect(replay).toBe(E4ErrorCode.StaleCommand);
    expect(client.exportState()).toEqual(before);
    expect(send(cmdResetTopics(), T, 0)).toBe('command');
  });
});
