/**
 * The event log never costs a committed change: when writing a change's entry fails (a fault injected in the store:
 * a DynamoDB write failing after the one before it succeeded cannot be caused otherwise), the change is answered as
 * done, a generated key is returned, and the entry is written later by the worker.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { listEvents } from '../../../shared/c2/events/listEvents.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { StepQueue } from '../../support/stepQueue.js';

const caller = callerOf('tenant-events', 'operator');
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await c2?.close();
});

it('a failed event write: the client exists, its generated key is returned, the entry is written by the worker', async () => {
  // Prepare
  const queue = new StepQueue();
  let failures = 1;
  const deps: C2Deps = {
    ...c2.deps,
    queue,
    store: {
      ...c2.deps.store,
      appendEvent: async (event) => {
        if (failures-- > 0) throw new Error('the event log is unavailable');
        return c2.deps.store.appendEvent(event);
      },
    },
  };

  // Act
  const created = await createClient(deps, caller, { name: 'kept', mode: 'symmetric', generateKey: true });
  const before = await listEvents(c2.deps, caller, {}, { limit: 10 });
  await queue.drain(deps);
  await queue.drain(deps); // nothing left: the entry is written once
  const { items } = await listEvents(c2.deps, caller, {}, { limit: 10 });

  // Assess
  expect(created.key).toHaveLength(32);
  expect(await c2.deps.store.getClient(caller.tenantId, 'kept')).toBeDefined();
  expect(before.items).toEqual([]);
  expect(items).toEqual([
    expect.objectContaining({ action: 'client.create', result: 'ok', target: { type: 'client', name: 'kept' } }),
  ]);
});
