/**
 * E4Client.ready(topic): resolves once the client holds the topic's key (at once if it does), rejects with
 * READY_TIMEOUT after `timeoutMs`, or with the signal's reason when aborted. (Over a real broker:
 * test/integration/mqtt/E4MqttDevice.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { cmdSetTopicKey, E4Client, E4Error, E4ErrorCode, protectCommand, randomKey } from '../../../shared/e4/index.js';

const TOPIC = 'sensors/temp';

async function device() {
  const key = randomKey();
  const client = await E4Client.create({ mode: 'symmetric', key });
  const install = (topic: string) =>
    client.unprotect(protectCommand(cmdSetTopicKey(randomKey(), topic), key), client.receivingTopic);
  return { client, install };
}

describe('E4Client.ready', () => {
  it('resolves at once when the key is already held', async () => {
    // Prepare
    const { client, install } = await device();
    install(TOPIC);

    // Act + Assess
    await expect(client.ready(TOPIC, { timeoutMs: 0 })).resolves.toBeUndefined();
  });

  it('resolves when a SetTopicKey for the topic arrives after the call, not for another topic', async () => {
    // Prepare
    const { client, install } = await device();
    let settled = false;
    const ready = client.ready(TOPIC).then(() => {
      settled = true;
    });

    // Act
    install('sensors/other');
    await Promise.resolve();
    const afterOther = settled;
    install(TOPIC);
    await ready;

    // Assess
    expect(afterOther).toBe(false);
    expect(client.hasTopicKey(TOPIC)).toBe(true);
  });

  it('rejects with READY_TIMEOUT when no key comes in time', async () => {
    // Prepare
    const { client } = await device();

    // Act
    const error = await client.ready(TOPIC, { timeoutMs: 20 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(E4Error);
    expect((error as E4Error).code).toBe(E4ErrorCode.ReadyTimeout);
    expect((error as E4Error).message).toContain(TOPIC);
  });

  it('rejects with the reason of an aborted signal, before or during the wait', async () => {
    // Prepare
    const { client } = await device();
    const controller = new AbortController();
    const reason = new Error('shutting down');

    // Act
    const waiting = client.ready(TOPIC, { signal: controller.signal, timeoutMs: Number.POSITIVE_INFINITY });
    controller.abort(reason);

    // Assess
    await expect(waiting).rejects.toBe(reason);
    await expect(client.ready(TOPIC, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('refuses a bad timeout or topic as a caller error', async () => {
    // Prepare
    const { client } = await device();

    // Act + Assess
    expect(() => client.ready(TOPIC, { timeoutMs: -1 })).toThrow(RangeError);
    expect(() => client.ready(TOPIC, { timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => client.ready(42 as unknown as string)).toThrow(TypeError);
  });
});
