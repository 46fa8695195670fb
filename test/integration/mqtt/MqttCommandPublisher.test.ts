import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { MqttCommandPublisher } from '../../../shared/adapters/local/MqttCommandPublisher.js';
import { MAX_MESSAGE_AGE_SECONDS, randomKey } from '../../../shared/e4/index.js';
import { commandPublisherContract } from '../../contract/commandPublisher.contract.js';
import { BROKERS, MOSQUITTO_MISSING, mosquittoBinary, startAedes, startMosquitto } from '../../support/brokers.js';
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

describe.skipIf(serverMissing(mosquittoBinary() ? undefined : MOSQUITTO_MISSING))(
  'MqttCommandPublisher over MQTT 5 (mosquitto)',
  () => {
    it("gives each command a message expiry of E4's window: a broker drops it once a device would refuse it", async () => {
      // Prepare: an MQTT 5 subscriber, and the publisher on MQTT 5
      const broker = await startMosquitto();
      const subscriber = await connectAsync(broker.url, { protocolVersion: 5 });
      const received = new Promise<number | undefined>((resolve) =>
        subscriber.on('message', (_topic, _payload, packet) => resolve(packet.properties?.messageExpiryInterval)),
      );
      await subscriber.subscribeAsync('e4/expiry', { qos: 1 });
      const publisher = await MqttCommandPublisher.connect(broker.url, { mqtt: { protocolVersion: 5 } });

      // Act
      const [outcome] = await publisher.publish([{ clientName: 'device-1', topic: 'e4/expiry', payload: randomKey() }]);
      const expiry = await received;

      // Assess: what is left of 600 s when it arrives (the broker counts it down)
      expect(outcome?.delivered).toBe(true);
      expect(expiry).toBeGreaterThan(590);
      expect(expiry).toBeLessThanOrEqual(MAX_MESSAGE_AGE_SECONDS);
      await publisher.close();
      await subscriber.endAsync();
      await broker.close();
    });
  },
);
