import { describe, expect, it } from 'vitest';
import { MqttCommandPublisher } from '../../../shared/adapters/local/MqttCommandPublisher.js';
import { randomKey } from '../../../shared/e4/index.js';
import { commandPublisherContract } from '../../contract/commandPublisher.contract.js';
import { BROKERS, startAedes } from '../../support/brokers.js';
import { serverMissing } from '../../support/serverMissing.js';

for (const { name, start, missing } of BROKERS) {
  describe.skipIf(serverMissing(missing))(`MqttCommandPublisher over ${name}`, () => {
    commandPublisherContract(name, async () => {
      const broker = await start();
      const publisher = await MqttCommandPublisher.connect(broker.url);
      return {
        publisher,
        subscribeUrl: broker.url,
        close: async () => {
          await publisher.close();
          await broker.close();
        },
      };
    });
  });
}

describe('MqttCommandPublisher when the broker is gone', () => {
  it('reports each command as not delivered, with the reason, instead of throwing or hanging', async () => {
    // Prepare: a publisher whose broker then stops
    const broker = await startAedes();
    const publisher = await MqttCommandPublisher.connect(broker.url, {
      ackTimeoutMs: 500,
      mqtt: { reconnectPeriod: 0 },
    });
    await broker.close();

    // Act
    const outcomes = await publisher.publish([
      { clientName: 'device-1', topic: 'e4/01', payload: randomKey() },
      { clientName: 'device-2', topic: 'e4/02', payload: randomKey() },
    ]);

    // Assess
    expect(outcomes.map((o) => [o.clientName, o.delivered])).toEqual([
      ['device-1', false],
      ['device-2', false],
    ]);
    expect(outcomes.every((o) => typeof o.error === 'string' && o.error.length > 0)).toBe(true);
    await publisher.close();
  });
});
