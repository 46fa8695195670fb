/**
 * A tenant's counters of clients and topics stay equal to its records whatever moment the process dies at, over the
 * local adapters (dynalite): a creation killed at each of its store calls in turn, a topic deletion killed right
 * after its record went and then resumed. The kill is the one fake here (a crash cannot be caused otherwise in a
 * test): the store of the dying run rejects the call it dies at and every later one, as a killed process sends
 * nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { newOperationId } from '../../../shared/c2/operations/newOperationId.js';
import { advanceTopicDeletion } from '../../../shared/c2/operations/topicDeletionOperation.js';
import type { CountedKind } from '../../../shared/c2/ports/TenantLimitStore.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { operationRecord } from '../../contract/operationStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

let c2: LocalC2;
beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await c2?.close();
});

const KILLED = 'killed by the test';

/** `deps` whose store dies at its `at`-th call (1 the first) and whether it did (false: the run ended before). */
function dyingAt(deps: C2Deps, at: number): { deps: C2Deps; died: () => boolean } {
  let calls = 0;
  const store = new Proxy(deps.store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        if (calls >= at) return Promise.reject(new Error(KILLED));
        return value.apply(target, args);
      };
    },
  });
  return { deps: { ...deps, store }, died: () => calls >= at };
}

/** `deps` whose store dies at the first call after `method` returned. */
function dyingAfter(deps: C2Deps, method: keyof C2Deps['store']): C2Deps {
  let dead = false;
  const store = new Proxy(deps.store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (dead) throw new Error(KILLED);
        const result = await value.apply(target, args);
        if (property === method) dead = true;
        return result;
      };
    },
  });
  return { ...deps, store };
}

/** The counter as the next creation would find it (absent: started from a count of the records) and the records. */
async function counted(tenant: string, kind: CountedKind): Promise<{ counter: number; records: number }> {
  const { store } = c2.deps;
  const records = await (kind === 'clients' ? store.countClients(tenant) : store.countTopics(tenant));
  return { counter: (await store.getCounts(tenant))[kind] ?? records, records };
}

describe('counters across crashes', () => {
  it('a topic creation killed at any of its store calls leaves the counter equal to the topics', async () => {
    for (let at = 1; ; at++) {
      // Prepare: a started counter, one topic
      const tenant = `crash-topic-create-${at}`;
      await c2.deps.store.setTenantLimits(tenant, { maxTopics: 5 });
      await createTopic(c2.deps, callerOf(tenant), { topic: 'first' });

      // Act
      const dying = dyingAt(c2.deps, at);
      await createTopic(dying.deps, callerOf(tenant), { topic: 'second' }).catch(() => undefined);

      // Assess
      const { counter, records } = await counted(tenant, 'topics');
      expect({ at, counter }).toEqual({ at, counter: records });
      if (!dying.died()) break;
    }
  });

  it('a client creation killed at any of its store calls leaves the counter equal to the clients', async () => {
    for (let at = 1; ; at++) {
      const tenant = `crash-client-create-${at}`;
      await c2.deps.store.setTenantLimits(tenant, { maxClients: 5 });
      await createClient(c2.deps, callerOf(tenant), { name: `first-${at}`, mode: 'symmetric', generateKey: true });

      const dying = dyingAt(c2.deps, at);
      await createClient(dying.deps, callerOf(tenant), {
        name: `second-${at}`,
        mode: 'symmetric',
        generateKey: true,
      }).catch(() => undefined);

      const { counter, records } = await counted(tenant, 'clients');
      expect({ at, counter }).toEqual({ at, counter: records });
      if (!dying.died()) break;
    }
  });

  it('a topic deletion killed right after its record went, then resumed, leaves the counter equal to the topics', async () => {
    // Prepare: two topics, a deletion of one recorded (not queued: the test runs it)
    const tenant = 'crash-topic-delete';
    await createTopic(c2.deps, callerOf(tenant), { topic: 'kept' });
    await createTopic(c2.deps, callerOf(tenant), { topic: 'gone' });
    const operation = operationRecord(1, {
      tenantId: tenant,
      id: newOperationId(c2.deps),
      kind: 'topic.delete',
      target: { type: 'topic', name: 'gone' },
    });
    await c2.deps.operations.createOperation(operation);

    // Act: killed after the record's deletion, then resumed (as the queue hands the message over again)
    await advanceTopicDeletion(dyingAfter(c2.deps, 'deleteTopic'), operation, {}).catch(() => undefined);
    const killed = await c2.deps.operations.getOperation(tenant, operation.id);
    await advanceTopicDeletion(c2.deps, killed!, {});

    // Assess
    expect(await c2.deps.store.getTopic(tenant, 'gone')).toBeUndefined();
    expect((await c2.deps.operations.getOperation(tenant, operation.id))?.status).toBe('succeeded');
    expect(await counted(tenant, 'topics')).toEqual({ counter: 1, records: 1 });
  });
});
