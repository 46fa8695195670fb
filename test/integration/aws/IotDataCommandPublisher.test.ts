/**
 * IotDataCommandPublisher against moto's IoT data plane. moto accepts Publish but delivers nothing to any broker, so
 * the CommandPublisher contract (test/contract/commandPublisher.contract.ts), which needs a subscriber that receives
 * what was published, cannot run here: these tests check what moto can show (each command accepted, in order, a
 * refused one reported without throwing). Throttling and 5xx answers are faults moto cannot cause: those tests wrap
 * the real moto-backed client in a small client whose `send` fails on purpose before passing calls on (said again
 * at each such test).
 */
import {
  InternalFailureException,
  IoTDataPlaneClient,
  type PublishCommand,
  ServiceUnavailableException,
  ThrottlingException,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, expect, it } from 'vitest';
import { type IotDataClient, IotDataCommandPublisher } from '../../../shared/adapters/aws/IotDataCommandPublisher.js';
import type { ControlCommand } from '../../../shared/c2/ports.js';
import { randomKey } from '../../../shared/e4/index.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

const clients: IoTDataPlaneClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

const command = (i: number): ControlCommand => ({
  clientName: `device-${i}`,
  topic: `e4/${i.toString(16).padStart(32, '0')}`,
  payload: randomKey(),
});

type Fault = 'throttling' | 'unavailable' | 'internal';

/** The error IoT Core answers with, as the SDK makes it from the HTTP answer. */
function serviceError(fault: Fault): Error {
  const $metadata = { httpStatusCode: fault === 'throttling' ? 429 : fault === 'unavailable' ? 503 : 500 };
  const message = `injected ${fault}`;
  if (fault === 'throttling') return new ThrottlingException({ message, $metadata });
  if (fault === 'unavailable') return new ServiceUnavailableException({ message, $metadata });
  return new InternalFailureException({ message, $metadata });
}

describeWithMoto('IotDataCommandPublisher over moto', (moto) => {
  function realClient(): IoTDataPlaneClient {
    const client = new IoTDataPlaneClient({ ...clientConfig(moto()), maxAttempts: 1 });
    clients.push(client);
    return client;
  }

  /**
   * The real client, observed (calls, calls in flight, topics sent, destroy) and, for faults moto cannot cause, made
   * to fail: `failFirst(topic)` says how many first attempts for that topic throw `fault` before reaching moto.
   */
  function observed(options: { fault?: Fault; failFirst?: (topic: string) => number } = {}) {
    const real = realClient();
    const attempts = new Map<string, number>();
    const stats = { calls: 0, inFlight: 0, maxInFlight: 0, destroyed: false, sent: [] as string[] };
    const client: IotDataClient = {
      send: async (publish: PublishCommand) => {
        const topic = publish.input.topic!;
        const attempt = (attempts.get(topic) ?? 0) + 1;
        attempts.set(topic, attempt);
        stats.calls++;
        stats.inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        try {
          if (options.fault && attempt <= (options.failFirst?.(topic) ?? 0)) {
            await new Promise((resolve) => setImmediate(resolve));
            throw serviceError(options.fault);
          }
          const output = await real.send(publish);
          stats.sent.push(topic);
          return output;
        } finally {
          stats.inFlight--;
        }
      },
      destroy: () => {
        stats.destroyed = true;
        real.destroy();
      },
    };
    return { client, stats, attempts };
  }

  it('publishes a batch (QoS 1, not retained) and reports every command delivered, in order', async () => {
    // Prepare
    const { client, stats } = observed();
    const publisher = new IotDataCommandPublisher(client, { concurrency: 8 });
    const commands = Array.from({ length: 120 }, (_, i) => command(i));

    // Act
    const outcomes = await publisher.publish(commands);

    // Assess
    expect(outcomes).toEqual(commands.map((c) => ({ clientName: c.clientName, topic: c.topic, delivered: true })));
    expect([...stats.sent].sort()).toEqual(commands.map((c) => c.topic).sort());
    expect(stats.maxInFlight).toBe(8);
    await publisher.close();
  });

  it('sends QoS 1, retain false, the exact payload bytes and a message expiry of E4 window (600 s)', async () => {
    // Prepare
    const seen: PublishCommand['input'][] = [];
    const real = realClient();
    const publisher = new IotDataCommandPublisher({
      send: (publish: PublishCommand) => {
        seen.push(publish.input);
        return real.send(publish);
      },
      destroy: () => real.destroy(),
    });
    const c = command(7);

    // Act
    await publisher.publish([c]);

    // Assess
    expect(seen).toEqual([{ topic: c.topic, qos: 1, retain: false, payload: c.payload, messageExpiry: 600 }]);
    await publisher.close();
  });

  it('an empty batch is an empty list of outcomes', async () => {
    const { client, stats } = observed();
    const publisher = new IotDataCommandPublisher(client);
    expect(await publisher.publish([])).toEqual([]);
    expect(stats.calls).toBe(0);
    await publisher.close();
  });

  it('reports a command that IoT Core refuses as not delivered, without retrying it or failing the others', async () => {
    // Prepare: moto refuses a Publish with an empty topic (a real refusal, 4xx: not retryable)
    const { client, attempts } = observed();
    const publisher = new IotDataCommandPublisher(client, { baseDelayMs: 1 });
    const commands = [command(1), { clientName: 'broken', topic: '', payload: randomKey() }, command(2)];

    // Act
    const outcomes = await publisher.publish(commands);

    // Assess
    expect(outcomes.map((o) => [o.clientName, o.delivered])).toEqual([
      ['device-1', true],
      ['broken', false],
      ['device-2', true],
    ]);
    expect(outcomes[1]!.error).toMatch(/\S/);
    expect(attempts.get('')).toBe(1);
    await publisher.close();
  });

  it.each<Fault>(['throttling', 'unavailable', 'internal'])(
    'retries a command answered with %s, with backoff, until IoT Core accepts it',
    async (fault) => {
      // Prepare: a fault moto cannot cause, injected by the wrapping client: the first two attempts of every other
      // command fail before reaching moto
      const { client, attempts, stats } = observed({
        fault,
        failFirst: (topic) => (Number.parseInt(topic.slice(3), 16) % 2 === 0 ? 2 : 0),
      });
      const publisher = new IotDataCommandPublisher(client, { concurrency: 4, maxAttempts: 3, baseDelayMs: 1 });
      const commands = Array.from({ length: 10 }, (_, i) => command(i));

      // Act
      const outcomes = await publisher.publish(commands);

      // Assess
      expect(outcomes.every((o) => o.delivered)).toBe(true);
      expect(commands.map((c) => attempts.get(c.topic))).toEqual([3, 1, 3, 1, 3, 1, 3, 1, 3, 1]);
      expect(stats.sent).toHaveLength(10);
    },
  );

  it('gives up after maxAttempts and reports the last error, never throwing', async () => {
    // Prepare: a fault moto cannot cause (endless throttling of one command), injected by the wrapping client
    const failing = command(1);
    const { client, attempts } = observed({
      fault: 'throttling',
      failFirst: (topic) => (topic === failing.topic ? Number.POSITIVE_INFINITY : 0),
    });
    const publisher = new IotDataCommandPublisher(client, { maxAttempts: 4, baseDelayMs: 1 });

    // Act
    const outcomes = await publisher.publish([command(0), failing, command(2)]);

    // Assess
    expect(outcomes.map((o) => o.delivered)).toEqual([true, false, true]);
    expect(outcomes[1]).toEqual({
      clientName: failing.clientName,
      topic: failing.topic,
      delivered: false,
      error: 'ThrottlingException: injected throttling (after 4 attempts)',
    });
    expect(attempts.get(failing.topic)).toBe(4);
  });

  it('close() destroys the client; commands published afterwards are reported not delivered', async () => {
    // Prepare
    const { client, stats } = observed();
    const publisher = new IotDataCommandPublisher(client);

    // Act
    await publisher.close();
    const outcomes = await publisher.publish([command(1)]);

    // Assess
    expect(stats.destroyed).toBe(true);
    expect(outcomes).toEqual([
      { clientName: 'device-1', topic: command(1).topic, delivered: false, error: 'the publisher is closed' },
    ]);
    expect(stats.calls).toBe(0);
  });

  it('create() builds its own client for an endpoint and publishes through it', async () => {
    // Prepare
    const publisher = IotDataCommandPublisher.create(clientConfig(moto()));

    // Act
    const outcomes = await publisher.publish([command(1), command(2)]);

    // Assess
    expect(outcomes.map((o) => o.delivered)).toEqual([true, true]);
    await publisher.close();
  });
});
