/**
 * An E4 id belongs to one tenant (issue 11): two tenants creating a client of the same name, one after the other and
 * at once, on a local C2 (dynalite); the claim released with the client's deletion (its operation run by the local
 * C2's worker), after which another tenant may take the name; clients enrolled before the registry existed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { NAME_NOT_AVAILABLE } from '../../../shared/c2/clients/clientIdClaim.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient } from '../../../shared/c2/clients/deleteClient.js';
import { C2Error, C2ErrorCode } from '../../../shared/c2/errors.js';
import { listEvents } from '../../../shared/c2/events/listEvents.js';
import type { KeyStore } from '../../../shared/c2/ports.js';
import { hashIdAlias, randomKey } from '../../../shared/e4/index.js';
import { clientRecord } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { errorOf } from '../../support/errorOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';

let c2: LocalC2;
let n = 0;

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await c2?.close();
});

const create = (deps: C2Deps, tenant: string, name: string) =>
  createClient(deps, callerOf(tenant), { name, mode: 'symmetric', key: randomKey() });

describe('one tenant per E4 id', () => {
  it("a second tenant's client of the same name is ALREADY_EXISTS, saying not whose; nothing written for it", async () => {
    // Prepare
    const name = `shared-name-${n++}`;
    await create(c2.deps, 'tenant-holder', name);

    // Act
    const refused = await errorOf(() => create(c2.deps, 'tenant-second', name));

    // Assess
    expect(refused.code).toBe(C2ErrorCode.AlreadyExists);
    expect(refused.message).toBe(NAME_NOT_AVAILABLE);
    expect(refused.message).not.toContain('tenant-holder');
    expect(await c2.deps.store.getClient('tenant-second', name)).toBeUndefined();
    expect((await c2.deps.store.getClientIdClaim(hashIdAlias(name)))?.tenantId).toBe('tenant-holder');
    const { items } = await listEvents(c2.deps, callerOf('tenant-second'), {}, { limit: 10 });
    expect(items.find((event) => event.target.name === name)).toMatchObject({
      action: 'client.create',
      result: 'error',
      errorCode: C2ErrorCode.AlreadyExists,
    });
  });

  it('of five tenants creating the name at once, exactly one wins; the others get the generic refusal', async () => {
    // Prepare
    const name = `contested-${n++}`;
    const tenants = ['t-1', 't-2', 't-3', 't-4', 't-5'];

    // Act
    const outcomes = await Promise.allSettled(tenants.map((tenant) => create(c2.deps, tenant, name)));

    // Assess
    const won = tenants.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(C2Error);
        expect((outcome.reason as C2Error).code).toBe(C2ErrorCode.AlreadyExists);
        expect((outcome.reason as C2Error).message).toBe(NAME_NOT_AVAILABLE);
      }
    }
    const holders = await Promise.all(tenants.map((tenant) => c2.deps.store.getClient(tenant, name)));
    expect(holders.filter((record) => record !== undefined).map((record) => record!.tenantId)).toEqual(won);
    expect((await c2.deps.store.getClientIdClaim(hashIdAlias(name)))?.tenantId).toBe(won[0]);
  });

  it("the same tenant's own name again is ALREADY_EXISTS about its client, and keeps its claim", async () => {
    // Prepare
    const name = `own-${n++}`;
    await create(c2.deps, 'tenant-own', name);

    // Act
    const again = await errorOf(() => create(c2.deps, 'tenant-own', name));

    // Assess
    expect(again.code).toBe(C2ErrorCode.AlreadyExists);
    expect(again.message).not.toBe(NAME_NOT_AVAILABLE);
    expect((await c2.deps.store.getClientIdClaim(hashIdAlias(name)))?.tenantId).toBe('tenant-own');
  });

  it('the deletion releases the claim after the record: then another tenant may take the name', async () => {
    // Prepare
    const name = `released-${n++}`;
    await create(c2.deps, 'tenant-leaving', name);
    const refusedBefore = await errorOf(() => create(c2.deps, 'tenant-next', name));

    // Act
    const started = await deleteClient(c2.deps, callerOf('tenant-leaving'), { name });
    const done = await operationFinished(c2.deps, started.operation);
    const claimAfter = await c2.deps.store.getClientIdClaim(hashIdAlias(name));
    const taken = await create(c2.deps, 'tenant-next', name);

    // Assess
    expect(refusedBefore.code).toBe(C2ErrorCode.AlreadyExists);
    expect(done.status).toBe('succeeded');
    expect(await c2.deps.store.getClient('tenant-leaving', name)).toBeUndefined();
    expect(claimAfter).toBeUndefined();
    expect(taken.client.name).toBe(name);
    expect((await c2.deps.store.getClientIdClaim(hashIdAlias(name)))?.tenantId).toBe('tenant-next');
    const refusedNow = await errorOf(() => create(c2.deps, 'tenant-leaving', name));
    expect(refusedNow.message).toBe(NAME_NOT_AVAILABLE);
  });

  it('a creation that fails after its claim gives the claim back', async () => {
    // Prepare: the one fault that cannot be caused otherwise, the store failing the record's write (a stand-in).
    const name = `failed-${n++}`;
    const failing = new Proxy(c2.deps.store, {
      get(target, property, receiver) {
        if (property === 'createClient') return () => Promise.reject(new Error('store unavailable'));
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as KeyStore;

    // Act
    const failed = await create({ ...c2.deps, store: failing }, 'tenant-unlucky', name).then(
      () => 'ok',
      (error: Error) => error.message,
    );
    const claimAfter = await c2.deps.store.getClientIdClaim(hashIdAlias(name));
    const other = await create(c2.deps, 'tenant-lucky', name);

    // Assess
    expect(failed).toBe('store unavailable');
    expect(claimAfter).toBeUndefined();
    expect(other.client.name).toBe(name);
  });

  it('a client enrolled before the registry gets its claim at its next creation attempt (no backfill)', async () => {
    // Prepare: a record without a claim, as written before the registry existed.
    const name = `legacy-${n++}`;
    await c2.deps.store.createClient(clientRecord(name, { tenantId: 'tenant-legacy' }));
    const claimBefore = await c2.deps.store.getClientIdClaim(hashIdAlias(name));

    // Act
    const again = await errorOf(() => create(c2.deps, 'tenant-legacy', name));
    const other = await errorOf(() => create(c2.deps, 'tenant-other', name));

    // Assess
    expect(claimBefore).toBeUndefined();
    expect(again.code).toBe(C2ErrorCode.AlreadyExists);
    expect((await c2.deps.store.getClientIdClaim(hashIdAlias(name)))?.tenantId).toBe('tenant-legacy');
    expect(other.message).toBe(NAME_NOT_AVAILABLE);
    expect(await c2.deps.store.getClient('tenant-other', name)).toBeUndefined();
  });
});
