/** Local mode's composition root: the C2's ports from a state folder, on disk. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ComposedLocalC2, composeLocalC2 } from '../../../local/composeLocalC2.js';
import { LocalModeErrorCode } from '../../../local/LocalModeError.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { getClient } from '../../../shared/c2/clients/readClients.js';
import { type RunningBroker, startAedes } from '../../support/brokers.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { openDynaliteTable } from '../../support/dynaliteTable.js';

let broker: RunningBroker;
let stateDir: string;
const opened: ComposedLocalC2[] = [];

beforeAll(async () => {
  broker = await startAedes();
});
afterAll(async () => {
  await broker?.close();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c2) => c2.close()));
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function compose(dir: string): Promise<ComposedLocalC2> {
  const c2 = await composeLocalC2({ stateDir: dir, mqttUrl: broker.url });
  opened.push(c2);
  return c2;
}

async function newStateDir(): Promise<string> {
  stateDir = await mkdtemp(join(tmpdir(), 'e4c2-local-'));
  return stateDir;
}

describe('composeLocalC2', () => {
  it('keeps records and keys across a restart on the same state folder', async () => {
    // Prepare
    const dir = await newStateDir();
    const first = await compose(dir);
    const created = await createClient(first.deps, callerOf('local'), {
      name: 'sensor-1',
      mode: 'symmetric',
      generateKey: true,
    });
    await first.close();

    // Act
    const second = await compose(dir);
    const found = await getClient(second.deps, callerOf('local'), 'sensor-1');
    const record = await second.deps.store.getClient('local', 'sensor-1');
    const key = await second.deps.vault.unwrap(record!.wrappedKey, {
      tenantId: 'local',
      kind: 'client',
      name: 'sensor-1',
      version: record!.keyVersion,
    });

    // Assess
    expect(found).toEqual(created.client);
    expect(key).toEqual(created.key);
  });

  it('drains its work queue with handleWorkMessages: an enqueued message is taken by the worker', async () => {
    // Prepare: one attempt per message, so that idle() returns after it whatever handleWork makes of it.
    const dir = await newStateDir();
    const c2 = await composeLocalC2({ stateDir: dir, mqttUrl: broker.url, queue: { work: { maxAttempts: 1 } } });
    opened.push(c2);

    // Act
    await c2.deps.queue!.enqueue([{ type: 'operation', tenantId: 'local', operationId: 'no-such-operation' }]);
    await c2.queue.idle();
    await c2.close();

    // Assess: the message is gone (handled) or kept as dead after its one attempt, never left untried.
    const table = await openDynaliteTable(join(dir, 'db'));
    const { Items = [] } = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'Q#work' } },
      }),
    );
    await table.close();
    expect(Items.map((item) => [item.attempts?.N, item.dead?.BOOL])).toEqual(Items.length === 0 ? [] : [['1', true]]);
  });

  it('creates the state folder (0700) and the keyring file (0600)', async () => {
    const dir = join(await newStateDir(), 'nested', 'state');

    await compose(dir);

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'keyring'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'db'))).isDirectory()).toBe(true);
  });

  it('refuses a state folder that another running instance holds', async () => {
    const dir = await newStateDir();
    await compose(dir);

    const code = await codeOfAsync(() => compose(dir));

    expect(code).toBe(LocalModeErrorCode.StateDirInUse);
  });

  it('takes over the lock of a process that no longer runs', async () => {
    // Prepare: the pid of a process that has exited.
    const dir = await newStateDir();
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, 'lock'), `${exited}\n`);

    // Act
    const code = await codeOfAsync(() => compose(dir));

    // Assess
    expect(code).toBe('ok');
  });

  it('fails with STATE_DIR_NOT_WRITABLE when the folder cannot be created', async () => {
    const file = join(await newStateDir(), 'a-file');
    await writeFile(file, '');

    const code = await codeOfAsync(() => compose(join(file, 'state')));

    expect(code).toBe(LocalModeErrorCode.StateDirNotWritable);
  });

  it('fails with BROKER_UNREACHABLE, and releases the folder, when the broker refuses the connection', async () => {
    // Prepare: a port nothing listens on.
    const dir = await newStateDir();
    const gone = await startAedes();
    await gone.close();

    // Act
    const code = await codeOfAsync(() =>
      composeLocalC2({ stateDir: dir, mqttUrl: gone.url, publisher: { mqtt: { reconnectPeriod: 0 } } }),
    );

    // Assess
    expect(code).toBe(LocalModeErrorCode.BrokerUnreachable);
    expect(await codeOfAsync(() => compose(dir))).toBe('ok');
  });
});
