/**
 * Real devices for the C2 benchmark, in a process of their own (as devices in the field run apart from the C2): the
 * TypeScript library over MQTT, each sending receipts. Forked by c2Rotation.ts with an IPC channel:
 * - it is sent `{ mqttUrl, devices: [[name, key hex], ...] }`, connects them (32 at a time), answers `{ connected }`;
 * - it is sent `'end'`, disconnects them and exits.
 * Its own CPU is not the C2's: on a machine of two cores, the C2's process and this one share them.
 */
import { E4Client, hexToBytes } from '../../shared/e4/node/index.js';
import { connectDevice, type TestDevice } from '../support/testDevice.js';

interface FleetOrder {
  readonly mqttUrl: string;
  readonly devices: readonly (readonly [string, string])[];
}

const connected: TestDevice[] = [];

async function connectAll({ mqttUrl, devices }: FleetOrder): Promise<void> {
  const entries = [...devices];
  const worker = async () => {
    for (let next = entries.shift(); next; next = entries.shift()) {
      const [name, keyHex] = next;
      const client = await E4Client.create({ mode: 'symmetric', key: hexToBytes(keyHex), name });
      connected.push(await connectDevice(client, mqttUrl, name));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

process.on('message', (message: FleetOrder | 'end') => {
  if (message === 'end') {
    void Promise.all(connected.map((device) => device.end())).finally(() => process.exit(0));
    return;
  }
  connectAll(message).then(
    () => process.send!({ connected: connected.length }),
    (error: unknown) => {
      process.send!({ error: (error as Error).message });
    },
  );
});
