/**
 * A process draining a LocalWorkQueue over a dynalite folder, to be killed (kill -9) by LocalWorkQueue.test.ts while
 * its handler runs: it enqueues one operation message, starts draining with a handler that prints
 * `handling <operation id>` and never ends, and waits.
 * Usage: node --import tsx test/support/workQueueProcess.ts <db folder> <operation id>
 */
import { LocalWorkQueue } from '../../shared/adapters/local/LocalWorkQueue.js';
import { openDynaliteTable } from './dynaliteTable.js';

const [folder, operationId] = process.argv.slice(2);
if (!folder || !operationId) throw new Error('usage: workQueueProcess.ts <db folder> <operation id>');
const { db, tableName } = await openDynaliteTable(folder);
const queue = new LocalWorkQueue(db, tableName);
await queue.enqueue([{ type: 'operation', tenantId: 'local', operationId }]);
await queue.start(async (message) => {
  process.stdout.write(`handling ${message.type === 'operation' ? message.operationId : message.type}\n`);
  await new Promise(() => {});
});
