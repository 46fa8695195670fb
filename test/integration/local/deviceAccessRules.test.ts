/**
 * The rules of local mode's broker (local/deviceAccess.ts) one by one, over a real store (DynamoKeyStore on dynalite):
 * usernames (tenants with dashes), the C2's login, the tenant's topic space at its edges. The rules over MQTT:
 * deviceAccess.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerAccess, type BrokerIdentity, deviceAccess } from '../../../local/deviceAccess.js';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { newMqttCredentials } from '../../../shared/c2/clients/mqttCredentials.js';
import { bytesToHex, hashIdAlias, randomKey, utf8 } from '../../../shared/e4/index.js';
import { topicRecord } from '../../contract/keyStore.contract.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';

const C2 = { username: 'e4c2:c2', password: 'c2-secret' };
let table: DynaliteTable;
let store: DynamoKeyStore;
let access: BrokerAccess;

beforeAll(async () => {
  table = await openDynaliteTable();
  store = new DynamoKeyStore(table.db, table.tableName);
  access = deviceAccess({ store, c2: C2, allowAnonymous: false });
});
afterAll(async () => {
  await table?.close();
});

/** A device of `tenantId` with its credentials issued. */
async function device(tenantId: string, name: string) {
  const id = hashIdAlias(name);
  await store.claimClientId(tenantId, id, '2026-11-23T00:00:00.000Z');
  const credentials = await newMqttCredentials({ store }, tenantId, id);
  return { idHex: bytesToHex(id), credentials: credentials! };
}

describe('deviceAccess', () => {
  it('authenticates a device of a tenant whose id has dashes, the C2 by its own login, and nothing else', async () => {
    // Prepare
    const d = await device('acme-east-1', 'rules-1');
    const { username, password } = d.credentials;

    // Act
    const asDevice = await access.authenticate(`e4-${d.idHex}`, username, utf8(password));
    const asC2 = await access.authenticate('any', C2.username, utf8(C2.password));
    const refused = await Promise.all([
      access.authenticate('any', C2.username, utf8('wrong')),
      access.authenticate(`e4-${d.idHex}`, username, undefined),
      access.authenticate(`e4-${d.idHex}`, username.toUpperCase(), utf8(password)),
      access.authenticate(`e4-${d.idHex}`, `${username}0`, utf8(password)),
      access.authenticate(`e4-${d.idHex}`, username, utf8(`${password}0`)),
      access.authenticate(`${d.idHex}-e4`, username, utf8(password)),
      access.authenticate('anonymous', undefined, undefined),
    ]);

    // Assess
    expect(username).toBe(`e4c2-acme-east-1-${d.idHex}`);
    expect(asDevice).toEqual({ kind: 'device', tenantId: 'acme-east-1', idHex: d.idHex });
    expect(asC2).toEqual({ kind: 'c2' });
    expect(refused).toEqual(refused.map(() => undefined));
  });

  it("confines a device to its control and receipt topics under e4/, and to its tenant's space elsewhere", async () => {
    // Prepare
    const d = await device('acme', 'rules-2');
    const other = bytesToHex(hashIdAlias('rules-3'));
    await store.createTopic(topicRecord('plant/line-1', { tenantId: 'acme' }));
    await store.createTopic(topicRecord('plant/line-2', { tenantId: 'rival' }));
    const me: BrokerIdentity = { kind: 'device', tenantId: 'acme', idHex: d.idHex };
    const subscribe = (filters: string[]) => Promise.all(filters.map((filter) => access.maySubscribe(me, filter)));
    const publish = (topics: string[]) => Promise.all(topics.map((topic) => access.mayPublish(me, topic)));

    // Act
    const subscribable = await subscribe([`e4/${d.idHex}`, 'plant/line-1', 't/acme/#', 't/acme/a/+/b']);
    const notSubscribable = await subscribe([
      `e4/${other}`,
      `e4/${d.idHex}/receipt`,
      'e4/+',
      'e4/#',
      '#',
      '+/#',
      'plant/line-2',
      'plant/+',
      't/acme',
      't/acme/',
      't/+/x',
      't/rival/#',
      '$SYS/#',
      '$share/g/t/acme/x',
    ]);
    const publishable = await publish([`e4/${d.idHex}/receipt`, 'plant/line-1', 't/acme/x']);
    const notPublishable = await publish([
      `e4/${d.idHex}`,
      `e4/${other}`,
      `e4/${other}/receipt`,
      'e4',
      'plant/line-2',
      't/rival/x',
      '$SYS/x',
    ]);

    // Assess
    expect(subscribable).toEqual(subscribable.map(() => true));
    expect(notSubscribable).toEqual(notSubscribable.map(() => false));
    expect(publishable).toEqual(publishable.map(() => true));
    expect(notPublishable).toEqual(notPublishable.map(() => false));
  });

  it('an anonymous connection, where allowed, may do anything but publish on a control topic; the C2 anything', async () => {
    // Prepare
    const open = deviceAccess({ store, c2: C2, allowAnonymous: true });
    const id = bytesToHex(randomKey().subarray(0, 16));

    // Act
    const anonymous = await open.authenticate('whatever', undefined, undefined);
    const rights = await Promise.all([
      open.maySubscribe(anonymous!, 'e4/#'),
      open.mayPublish(anonymous!, `e4/${id}/receipt`),
      open.mayPublish(anonymous!, `e4/${id}`),
      open.mayPublish({ kind: 'c2' }, `e4/${id}`),
    ]);

    // Assess
    expect(anonymous).toEqual({ kind: 'anonymous' });
    expect(rights).toEqual([true, true, false, true]);
  });
});
