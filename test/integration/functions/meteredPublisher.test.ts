/** The publisher's metrics: commands sent and failed, counted from real outcomes (aedes, then a closed connection). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { meteredPublisher } from '../../../functions/observability/meteredPublisher.js';
import { MqttCommandPublisher } from '../../../shared/adapters/local/MqttCommandPublisher.js';
import { randomKey } from '../../../shared/e4/index.js';
import { type RunningBroker, startAedes } from '../../support/brokers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startAedes();
});
afterAll(async () => {
  await broker?.close();
});

const commands = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    clientName: `d${i}`,
    topic: `e4/${'0'.repeat(31)}${i}`,
    payload: randomKey(),
  }));

it('counts CommandsSent for every outcome and CommandsFailed for the undelivered ones', async () => {
  // Prepare
  const recorded: [string, number][] = [];
  const inner = await MqttCommandPublisher.connect(broker.url, { ackTimeoutMs: 1000 });
  const publisher = meteredPublisher(inner, { addMetric: (name, _unit, value) => void recorded.push([name, value]) });

  // Act
  const ok = await publisher.publish(commands(3));
  await inner.close(); // the connection gone: a real failure of every later command
  const failed = await publisher.publish(commands(2));

  // Assess
  expect(ok.every((o) => o.delivered)).toBe(true);
  expect(failed.every((o) => !o.delivered)).toBe(true);
  expect(recorded).toEqual([
    ['CommandsSent', 3],
    ['CommandsSent', 2],
    ['CommandsFailed', 2],
  ]);
});
