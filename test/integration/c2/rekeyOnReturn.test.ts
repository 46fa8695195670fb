/**
 * A client flagged `rekeyOnReturn` (enrolled by trust on first use) coming back (clients/acceptReturn.ts), over the
 * local adapters (dynalite, keyring, aedes, the worker in process): the returns of one connection make one
 * `client.identityKey` operation (no resync of their own: the identity key operation ends with one), which puts the
 * new key in force and clears the flag; the device's next return is an ordinary resync.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptReturn } from '../../../shared/c2/clients/acceptReturn.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import type { OperationKind, OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';

const TENANT = 'tenant-rekey';
let c2: LocalC2 | undefined;
afterEach(async () => {
  await c2?.close();
  c2 = undefined;
});

async function operationsOf(kind: OperationKind, name: string): Promise<OperationRecord[]> {
  const target = { type: 'client', name } as const;
  const page = await c2!.deps.operations.listOperations(TENANT, { kind, target }, { limit: 100 });
  return page.items;
}

describe('a client flagged rekeyOnReturn', () => {
  it('gets one new identity key for the returns of a connection, then ordinary resyncs', async () => {
    // Prepare
    c2 = await startLocalC2();
    const { deps } = c2;
    const caller = { tenantId: TENANT, actor: 'apikey:00112233aabbccdd' };
    const key = hexToBytes('11'.repeat(32));
    const { client } = await createClient(
      deps,
      caller,
      { name: 'tofu-sensor', mode: 'symmetric', key },
      { rekeyOnReturn: true },
    );
    const back = { type: 'return', tenantId: TENANT, clientIdHex: client.id, at: Date.now() } as const;

    // Act: a connection's events (connected, subscribed) and a flap
    await Promise.all([acceptReturn(deps, back), acceptReturn(deps, back), acceptReturn(deps, back)]);
    const rekeys = await operationsOf('client.identityKey', 'tofu-sensor');
    const returnResyncs = (await operationsOf('client.resync', 'tofu-sensor')).filter(
      (op) => op.actor === 'device-return',
    );
    const done = await operationFinished(deps, rekeys[0]!);
    const rekeyed = await deps.store.getClient(TENANT, 'tofu-sensor');
    // The resync the identity key operation ends with (its topic keys under the new key).
    const resyncsBefore = await operationsOf('client.resync', 'tofu-sensor');
    await acceptReturn(deps, { ...back, at: Date.now() });

    // Assess
    expect(rekeys).toHaveLength(1);
    expect(rekeys[0]!.actor).toBe('device-return');
    expect(returnResyncs).toEqual([]);
    expect(done.status).toBe('succeeded');
    expect(rekeyed?.keyVersion).toBe(2);
    expect(rekeyed?.rekeyOnReturn).toBeUndefined();
    expect(bytesToHex(rekeyed!.id)).toBe(client.id);
    expect(await operationsOf('client.identityKey', 'tofu-sensor')).toHaveLength(1);
    expect(resyncsBefore).toHaveLength(1);
    expect(await operationsOf('client.resync', 'tofu-sensor')).toHaveLength(2);
  });

  it('is not rekeyed by a return once the flag is gone, nor is a client enrolled without it', async () => {
    // Prepare
    c2 = await startLocalC2();
    const { deps } = c2;
    const caller = { tenantId: TENANT, actor: 'operator' };
    const { client } = await createClient(deps, caller, { name: 'plain', mode: 'symmetric', generateKey: true });

    // Act
    await acceptReturn(deps, { type: 'return', tenantId: TENANT, clientIdHex: client.id, at: Date.now() });

    // Assess
    expect(await operationsOf('client.identityKey', 'plain')).toEqual([]);
    expect(await operationsOf('client.resync', 'plain')).toHaveLength(1);
  });
});
