/**
 * A device project's use of `e4c2/client`, compiled and run by test/package/installedPackage.test.ts in an empty
 * project where only the packed library is installed (not part of the repository's type-check: `e4c2/client` resolves
 * there to the packed build). Prints one JSON line with what it saw.
 */
import { join } from 'node:path';
import {
  bytesToHex,
  cmdSetTopicKey,
  E4Client,
  E4Error,
  FileStateStore,
  getDefaultEngine,
  nodeEd25519Backend,
  protectCommand,
  randomKey,
} from 'e4c2/client';

const topic = 'sensors/temp';
const key = randomKey();
const store = new FileStateStore(join(process.cwd(), 'device-0001.json'));
const device = await E4Client.create({ mode: 'symmetric', name: 'device-0001', key }, { store });

// A command of the C2 on the control topic installs a topic key; the state is saved before it is acknowledged.
const applied = device.unprotect(protectCommand(cmdSetTopicKey(randomKey(), topic), key), device.receivingTopic);
if (applied.kind !== 'command') throw new Error('the SetTopicKey command was not applied');
await applied.saved;

const wire = device.protectMessage(new TextEncoder().encode('21.5'), topic);
// A device rebooted from its state file reads what was protected before.
const rebooted = await E4Client.load({ store });
const received = rebooted.unprotect(wire, topic);
if (received.kind !== 'message') throw new Error('the protected message did not come back as a message');

// A tampered message is refused with a typed error.
const tampered = wire.slice();
tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
let refused = '';
try {
  rebooted.unprotect(tampered, topic);
} catch (error) {
  if (error instanceof E4Error) refused = error.code;
}

console.log(
  JSON.stringify({
    engine: getDefaultEngine().name,
    ed25519: nodeEd25519Backend(),
    id: bytesToHex(device.id),
    command: applied.command,
    payload: new TextDecoder().decode(received.payload),
    wireLength: wire.length,
    refused,
  }),
);
