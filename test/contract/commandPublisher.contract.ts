/**
 * Contract of the CommandPublisher port, run against every adapter with a real subscriber that receives what it
 * publishes: `commandPublisherContract(name, setup)`.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandPublisher, ControlCommand } from '../../shared/c2/ports.js';
import { bytesToHex, randomKey } from '../../shared/e4/index.js';

export interface PublisherSetup {
  publisher: CommandPublisher;
  /** A URL a plain MQTT client can subscribe on, to see what the publisher sent. */
  subscribeUrl: string;
  close(): Promise<void>;
}

const command = (i: number): ControlCommand => ({
  clientName: `device-${i}`,
  topic: `e4/${i.toString(16).padStart(32, '0')}`,
  payload: randomKey(),
});

export function commandPublisherContract(name: string, setup: () => Promise<PublisherSetup>): void {
  describe(`CommandPublisher contract: ${name}`, () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    });

    async function subscriber(url: string): Promise<{ client: MqttClient; received: Map<string, string> }> {
      const client = await connectAsync(url, { clientId: `sub-${Math.random().toString(16).slice(2)}` });
      cleanups.push(() => client.endAsync(true));
      const received = new Map<string, string>();
      client.on('message', (topic, payload) => received.set(topic, bytesToHex(payload)));
      await client.subscribeAsync('e4/#', { qos: 1 });
      return { client, received };
    }

    it('publishes every command on its topic with its exact bytes, not retained, and reports each delivered', async () => {
      // Prepare
      const s = await setup();
      cleanups.push(() => s.close());
      const { received } = await subscriber(s.subscribeUrl);
      const commands = Array.from({ length: 50 }, (_, i) => command(i));

      // Act
      const outcomes = await s.publisher.publish(commands);

      // Assess
      expect(outcomes.map((o) => [o.clientName, o.delivered])).toEqual(commands.map((c) => [c.clientName, true]));
      await expect.poll(() => received.size, { timeout: 10_000 }).toBe(50);
      for (const c of commands) expect(received.get(c.topic)).toBe(bytesToHex(c.payload));
      // not retained: a late subscriber gets nothing
      const late = await subscriber(s.subscribeUrl);
      await late.client.publishAsync('e4/probe', 'x', { qos: 1 });
      await expect.poll(() => late.received.has('e4/probe'), { timeout: 10_000 }).toBe(true);
      expect(late.received.size).toBe(1);
    });

    it('an empty batch is an empty list of outcomes', async () => {
      const s = await setup();
      cleanups.push(() => s.close());
      expect(await s.publisher.publish([])).toEqual([]);
    });
  });
}
