/**
 * The rotation policy routes over local mode (dynalite, keyring, aedes, the C2's worker): create, list, read,
 * replace, change, delete, run now and the runs; bad policies answered 4xx route by route; the quota; a run over a
 * prefix rotating every matching topic (made before or after the policy), one operation each; runs newest first; a
 * run repeated (same Idempotency-Key, or same scheduled time) rotating once; a run's operations listed by
 * GET /v1/operations?policy=&run=.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_POLICIES_PER_TENANT } from '../../../shared/c2/policies/createPolicy.js';
import { runPolicy } from '../../../shared/c2/policies/runPolicy.js';
import { callerOf } from '../../support/callerOf.js';
import { operationFinishedOverHttp } from '../../support/operationFinishedOverHttp.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const TENANT = 'tenant-policies';
const DAY_MS = 86_400_000;
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: TENANT });
});
afterAll(async () => {
  await api?.close();
});

const daily = {
  name: 'sensors every day',
  target: { topicPrefix: 'sensors/' },
  action: 'rotate-topic-key',
  schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' },
};

async function created(body: unknown = daily, token?: string) {
  const answer = await api.call('POST', '/v1/policies', { body, ...(token ? { token } : {}) });
  expect(answer.status, answer.raw).toBe(201);
  return answer.json;
}

/** Makes a topic; its view (addressed by `hash`). */
async function createTopic(topic: string): Promise<{ hash: string; keyVersion: number }> {
  const answer = await api.call('POST', '/v1/topics', { body: { topic } });
  expect(answer.status, answer.raw).toBe(201);
  return answer.json;
}

describe('policies: create, read, list, replace, change, delete', () => {
  it('creates a policy (201) and shows it with its schedule in English and its next five runs', async () => {
    const policy = await created();
    expect(policy).toMatchObject({ ...daily, enabled: true, revision: 1 });
    expect(policy.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(policy.description).toBe('every day at 03:00 (Europe/Paris)');
    expect(policy.nextRuns).toHaveLength(5);
    for (const run of policy.nextRuns) {
      expect(Date.parse(run)).toBeGreaterThan(Date.parse(policy.createdAt));
      // 03:00 in Paris is 01:00 or 02:00 UTC.
      expect(new Date(run).getUTCHours()).toBeGreaterThanOrEqual(1);
      expect(new Date(run).getUTCHours()).toBeLessThanOrEqual(2);
    }
    const read = await api.call('GET', `/v1/policies/${policy.id.toLowerCase()}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(policy);
    expect(read.raw).not.toContain('tenant');
  });

  it('a rate counts from the creation (rounded up to the minute): its first run one period later', async () => {
    const policy = await created({ ...daily, schedule: { expression: 'rate(1 day)' } });
    const anchor = Math.ceil(Date.parse(policy.createdAt) / 60_000) * 60_000;
    expect(policy.description).toBe('every day');
    expect(policy.nextRuns[0]).toBe(new Date(anchor + DAY_MS).toISOString());
    expect(policy.nextRuns[1]).toBe(new Date(anchor + 2 * DAY_MS).toISOString());
  });

  it('lists policies in creation order, a page at a time', async () => {
    const token = await api.tokenOf('tenant-policies-list');
    const ids = [];
    for (const name of ['a', 'b', 'c']) ids.push((await created({ ...daily, name }, token)).id);
    const first = await api.call('GET', '/v1/policies?limit=2', { token });
    const second = await api.call('GET', `/v1/policies?limit=2&cursor=${first.json.cursor}`, { token });
    expect(first.status).toBe(200);
    expect([...first.json.items, ...second.json.items].map((policy: { id: string }) => policy.id)).toEqual(ids);
    expect(second.json.cursor).toBeUndefined();
  });

  it('PUT replaces the policy (same id and creation, revision + 1); a stale revision is 409', async () => {
    await createTopic('a/b');
    const policy = await created();
    const body = {
      name: 'one topic weekly',
      target: { topic: 'a/b' },
      action: 'rotate-topic-key',
      events: [{ type: 'key.age', days: 7 }],
    };
    const replaced = await api.call('PUT', `/v1/policies/${policy.id}?revision=1`, { body });
    const stale = await api.call('PUT', `/v1/policies/${policy.id}?revision=1`, { body });
    expect(replaced.status, replaced.raw).toBe(200);
    expect(replaced.json).toMatchObject({ ...body, id: policy.id, createdAt: policy.createdAt, revision: 2 });
    expect(replaced.json.schedule).toBeUndefined();
    expect(replaced.json.nextRuns).toEqual([]);
    expect([stale.status, errorCodeOf(stale)]).toEqual([409, 'CONCURRENT_UPDATE']);
  });

  it('PATCH changes the fields given: disabled, it shows no next runs; null removes the schedule', async () => {
    const policy = await created({ ...daily, events: [{ type: 'client.removed' }] });
    const disabled = await api.call('PATCH', `/v1/policies/${policy.id}`, { body: { enabled: false } });
    const unscheduled = await api.call('PATCH', `/v1/policies/${policy.id}?revision=2`, { body: { schedule: null } });
    const nothing = await api.call('PATCH', `/v1/policies/${policy.id}`, { body: { events: null } });
    expect(disabled.status).toBe(200);
    expect(disabled.json).toMatchObject({ ...daily, enabled: false, revision: 2, nextRuns: [] });
    expect(unscheduled.json.schedule).toBeUndefined();
    expect(unscheduled.json.revision).toBe(3);
    // Without schedule and events the policy that results is refused, as a new one would be.
    expect([nothing.status, errorCodeOf(nothing)]).toEqual([400, 'INVALID_INPUT']);
    expect(nothing.json.error.message).toContain('a policy needs a schedule or at least one event');
  });

  it('DELETE removes it: then 404, and its runs are no longer listed', async () => {
    const policy = await created();
    const deleted = await api.call('DELETE', `/v1/policies/${policy.id}`);
    const again = await api.call('DELETE', `/v1/policies/${policy.id}`);
    const runs = await api.call('GET', `/v1/policies/${policy.id}/runs`);
    expect(deleted.json).toEqual({ id: policy.id, deleted: true });
    expect([again.status, errorCodeOf(again)]).toEqual([404, 'NOT_FOUND']);
    expect(runs.status).toBe(404);
  });

  it('records each change in the event log: policy.create, policy.update (PUT and PATCH), policy.delete', async () => {
    const token = await api.tokenOf('tenant-policies-audit');
    const policy = await created(daily, token);
    await api.call('PATCH', `/v1/policies/${policy.id}`, { token, body: { enabled: false } });
    await api.call('DELETE', `/v1/policies/${policy.id}`, { token });
    const events = await api.call('GET', '/v1/events?limit=10', { token });
    const mine = events.json.items.filter((event: { target: { type: string } }) => event.target.type === 'policy');
    expect(mine.map((event: { action: string; result: string }) => [event.action, event.result])).toEqual([
      ['policy.delete', 'ok'],
      ['policy.update', 'ok'],
      ['policy.create', 'ok'],
    ]);
    expect(mine.every((event: { target: { name: string } }) => event.target.name === policy.id)).toBe(true);
    expect(mine[1].details).toEqual({ revision: 2, enabled: false });
  });

  it("another tenant's policy is NOT_FOUND", async () => {
    const policy = await created();
    const token = await api.tokenOf('tenant-policies-other');
    const answer = await api.call('GET', `/v1/policies/${policy.id}`, { token });
    expect([answer.status, errorCodeOf(answer)]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('policies: bad input, route by route', () => {
  /** A label, a whole policy for POST and PUT, the change of PATCH that makes the same mistake, and the message. */
  const scheduleRows: [string, Record<string, unknown>, string][] = [
    ['a bad cron', { expression: 'cron(0 25 * * ? *)' }, '"schedule.expression": cron hours'],
    ['a cron with both day fields', { expression: 'cron(0 3 * * * *)' }, 'exactly one of them'],
    ['a rate below a minute', { expression: 'rate(0 minutes)' }, 'at least 1 minute'],
    ['a rate in seconds', { expression: 'rate(30 seconds)' }, 'minute(s), hour(s) or day(s)'],
    ['a bad time zone', { expression: 'rate(1 day)', timezone: 'Mars/Olympus' }, 'IANA time zone'],
    ['a flexible window of 0', { expression: 'rate(1 day)', flexibleWindowMinutes: 0 }, '1 to 1440'],
  ];
  const rows: [string, Record<string, unknown>, Record<string, unknown>, string][] = scheduleRows.map(
    ([label, schedule, message]) => [label, { ...daily, schedule }, { schedule }, message],
  );
  rows.push(
    [
      'a client target for a topic action',
      { ...daily, target: { client: 'd' } },
      { target: { client: 'd' } },
      'takes a target of "topic"',
    ],
    [
      'two targets',
      { ...daily, target: { topic: 'a', client: 'b' } },
      { target: { topic: 'a', client: 'b' } },
      '"target": must be one of',
    ],
    [
      'neither schedule nor events',
      { ...daily, schedule: undefined },
      { schedule: null },
      'needs a schedule or at least one event',
    ],
    ['an unknown field', { ...daily, owner: 'me' }, { owner: 'me' }, 'unknown field "owner"'],
  );
  it.each(rows)('%s is 400 INVALID_INPUT naming what is wrong (POST, PUT, PATCH)', async (_, body, patch, message) => {
    const policy = await created();
    const answers = [
      await api.call('POST', '/v1/policies', { body }),
      await api.call('PUT', `/v1/policies/${policy.id}`, { body }),
      await api.call('PATCH', `/v1/policies/${policy.id}`, { body: patch }),
    ];
    for (const answer of answers) {
      expect([answer.status, errorCodeOf(answer)]).toEqual([400, 'INVALID_INPUT']);
      expect(answer.json.error.message).toContain(message);
    }
    expect((await api.call('GET', `/v1/policies/${policy.id}`)).json.revision).toBe(1);
  });

  it(`a tenant has at most ${MAX_POLICIES_PER_TENANT} policies: 409 LIMIT_REACHED past them`, async () => {
    const token = await api.tokenOf('tenant-policies-quota');
    for (let i = 0; i < MAX_POLICIES_PER_TENANT; i++) await created({ ...daily, name: `p${i}` }, token);
    const refused = await api.call('POST', '/v1/policies', { body: daily, token });
    expect([refused.status, errorCodeOf(refused)]).toEqual([409, 'LIMIT_REACHED']);
    expect(refused.json.error.message).toContain(`at most ${MAX_POLICIES_PER_TENANT} policies`);
    const first = (await api.call('GET', '/v1/policies?limit=1', { token })).json.items[0];
    await api.call('DELETE', `/v1/policies/${first.id}`, { token });
    expect((await api.call('POST', '/v1/policies', { body: daily, token })).status).toBe(201);
  }, 60_000);
});

describe('policies: runs', () => {
  it('a run rotates every topic under the prefix, made before or after the policy, one operation each', async () => {
    await createTopic('sensors/a');
    await createTopic('sensors/b');
    await createTopic('other/c');
    const policy = await created();
    await createTopic('sensors/c');

    const answer = await api.call('POST', `/v1/policies/${policy.id}/run`);

    expect(answer.status, answer.raw).toBe(202);
    const { run, operations } = answer.json;
    expect(run).toMatchObject({ reason: 'manual', outcome: 'started' });
    expect(run.operations.map((op: { target: { name: string } }) => op.target.name).sort()).toEqual([
      'sensors/a',
      'sensors/b',
      'sensors/c',
    ]);
    expect(operations.map((op: { id: string }) => op.id)).toEqual(run.operations.map((op: { id: string }) => op.id));
    for (const operation of operations) {
      expect(operation.kind).toBe('topic.rotate');
      expect((await api.operationFinished(operation.id)).status).toBe('succeeded');
    }
    const topics = await api.call('GET', '/v1/topics?limit=100');
    const versions = Object.fromEntries(
      topics.json.items.map((topic: { topic: string; keyVersion: number }) => [topic.topic, topic.keyVersion]),
    );
    expect(versions).toMatchObject({ 'sensors/a': 2, 'sensors/b': 2, 'sensors/c': 2, 'other/c': 1 });
    // The run by hand is in the audit trail under the policy, by whom, with its run and operations
    const audit = await api.call('GET', `/v1/events?targetType=policy&target=${policy.id}&action=policy.run`);
    expect(audit.status, audit.raw).toBe(200);
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0]).toMatchObject({
      action: 'policy.run',
      result: 'ok',
      target: { type: 'policy', name: policy.id },
      details: { run: run.id, outcome: 'started', operations: 3 },
    });
    expect(audit.json.items[0].actor).toMatch(/^apikey:/);
  });

  it("GET /v1/operations?policy=&run= lists a run's operations in its order, a page at a time, and only them", async () => {
    for (const topic of ['byrun/a', 'byrun/b', 'byrun/c']) await createTopic(topic);
    const policy = await created({ ...daily, name: 'by run', target: { topicPrefix: 'byrun/' } });
    const started = await api.call('POST', `/v1/policies/${policy.id}/run`);
    expect(started.status, started.raw).toBe(202);
    const { run, operations } = started.json;
    const other = await api.call('POST', `/v1/topics/${(await createTopic('byrun-not/d')).hash}/rotate`);
    expect(other.status, other.raw).toBe(202);

    const query = `policy=${policy.id.toLowerCase()}&run=${run.id}`;
    const all = await api.call('GET', `/v1/operations?${query}`);
    const first = await api.call('GET', `/v1/operations?${query}&limit=2`);
    const rest = await api.call('GET', `/v1/operations?${query}&limit=2&cursor=${first.json.cursor}`);
    const rotating = await api.call('GET', `/v1/operations?${query}&kind=client.delete`);

    const ids = operations.map((op: { id: string }) => op.id);
    expect(all.status, all.raw).toBe(200);
    expect(all.json.items.map((op: { id: string }) => op.id)).toEqual(ids);
    expect(all.json).not.toHaveProperty('cursor');
    expect(all.json.items[0]).toMatchObject({ kind: 'topic.rotate', counts: { total: 0 } });
    expect(first.json.items.map((op: { id: string }) => op.id)).toEqual(ids.slice(0, 2));
    expect(rest.json.items.map((op: { id: string }) => op.id)).toEqual(ids.slice(2));
    expect(rest.json).not.toHaveProperty('cursor');
    expect(rotating.json.items).toEqual([]);
    for (const [bad, status, code] of [
      [`policy=${policy.id}`, 400, 'INVALID_INPUT'],
      [`run=${run.id}`, 400, 'INVALID_INPUT'],
      [`${query}&cursor=r9`, 400, 'INVALID_CURSOR'],
      [`policy=${policy.id}&run=${'0'.repeat(26)}`, 404, 'NOT_FOUND'],
    ] as const) {
      const answer = await api.call('GET', `/v1/operations?${bad}`);
      expect(answer.status, `${bad}: ${answer.raw}`).toBe(status);
      expect(errorCodeOf(answer)).toBe(code);
    }
    for (const id of [...ids, other.json.operation.id]) await api.operationFinished(id);
  });

  it('lists runs newest first; a run repeated with its Idempotency-Key rotates once and is recorded once', async () => {
    await createTopic('lamps/1');
    const policy = await created({ ...daily, target: { topic: 'lamps/1' } });
    const headers = { 'idempotency-key': 'run-lamps-1' };

    const first = await api.call('POST', `/v1/policies/${policy.id}/run`, { headers });
    await api.operationFinished(first.json.operations[0].id);
    const repeat = await api.call('POST', `/v1/policies/${policy.id}/run`, { headers });
    const second = await api.call('POST', `/v1/policies/${policy.id}/run`);
    const runs = await api.call('GET', `/v1/policies/${policy.id}/runs`);

    expect(repeat.status).toBe(200); // its operation has finished
    expect(repeat.json.operations.map((op: { id: string }) => op.id)).toEqual(
      first.json.operations.map((op: { id: string }) => op.id),
    );
    expect(second.json.operations[0].id).not.toBe(first.json.operations[0].id);
    expect(repeat.json.run).toEqual(first.json.run);
    expect(runs.json.items.map((run: { id: string }) => run.id)).toEqual([second.json.run.id, first.json.run.id]);
    expect(runs.json.items[1]).toEqual(first.json.run);
  });

  it('a scheduled run repeated with the same time starts nothing new; another time does', async () => {
    await createTopic('doors/1');
    const policy = await created({ ...daily, target: { topic: 'doors/1' } });
    const caller = callerOf(TENANT, 'scheduler');
    const trigger = { reason: 'schedule', scheduledTime: '2027-01-01T02:00:00.000Z' } as const;

    const first = await runPolicy(api.c2.deps, caller, policy.id, trigger);
    const again = await runPolicy(api.c2.deps, caller, policy.id, trigger);
    const next = await runPolicy(api.c2.deps, caller, policy.id, { ...trigger, scheduledTime: '2027-01-02T02:00:00Z' });

    expect(again.run).toEqual(first.run);
    expect(again.operations.map((op) => op.id)).toEqual(first.run.operations.map((op) => op.id));
    expect(next.run.operations[0]!.id).not.toBe(first.run.operations[0]!.id);
    const runs = await api.call('GET', `/v1/policies/${policy.id}/runs`);
    expect(runs.json.items.map((run: { scheduledTime: string }) => run.scheduledTime)).toEqual([
      '2027-01-02T02:00:00.000Z',
      '2027-01-01T02:00:00.000Z',
    ]);
    for (const run of [first, next]) await api.operationFinished(run.run.operations[0]!.id);
  });

  it('a disabled policy runs only by hand: a scheduled run of it is recorded skipped', async () => {
    await createTopic('fans/1');
    const policy = await created({ ...daily, target: { topic: 'fans/1' }, enabled: false });
    const scheduled = await runPolicy(api.c2.deps, callerOf(TENANT, 'scheduler'), policy.id, {
      reason: 'schedule',
      scheduledTime: '2027-01-01T02:00:00Z',
    });
    const manual = await api.call('POST', `/v1/policies/${policy.id}/run`);
    expect(scheduled.run).toMatchObject({ outcome: 'skipped', operations: [] });
    expect(manual.status).toBe(202);
    expect(manual.json.run.outcome).toBe('started');
    await api.operationFinished(manual.json.operations[0].id);
  });

  it('a client prefix gives each matching client a new identity key, one operation each', async () => {
    for (const name of ['cam-1', 'cam-2', 'door-1']) {
      const answer = await api.call('POST', '/v1/clients', { body: { name, generateKey: true } });
      expect(answer.status, answer.raw).toBe(201);
    }
    const policy = await created({ ...daily, target: { clientPrefix: 'cam-' }, action: 'new-client-key' });
    const answer = await api.call('POST', `/v1/policies/${policy.id}/run`);
    expect(answer.status, answer.raw).toBe(202);
    const { operations } = answer.json;
    expect(
      operations.map((op: { kind: string; target: { name: string } }) => [op.kind, op.target.name]).sort(),
    ).toEqual([
      ['client.identityKey', 'cam-1'],
      ['client.identityKey', 'cam-2'],
    ]);
    for (const operation of operations) await api.operationFinished(operation.id);
  });

  it("a C2 key policy rotates the tenant's C2 key, one operation", async () => {
    const before = (await api.call('GET', '/v1/keys/c2')).json.keyVersion;
    const policy = await created({ ...daily, target: { tenant: true }, action: 'rotate-c2-key' });
    const answer = await api.call('POST', `/v1/policies/${policy.id}/run`);
    expect(answer.status, answer.raw).toBe(202);
    expect(answer.json.run.operations).toEqual([
      { id: answer.json.operations[0].id, target: { type: 'c2key', name: 'c2' } },
    ]);
    expect((await api.operationFinished(answer.json.operations[0].id)).status).toBe('succeeded');
    expect((await api.call('GET', '/v1/keys/c2')).json.keyVersion).toBe(before + 1);
  });

  it('a policy naming a topic or client that does not exist is 404; a prefix matching nothing runs empty', async () => {
    const topic = await api.call('POST', '/v1/policies', { body: { ...daily, target: { topic: 'not/yet' } } });
    const client = await api.call('POST', '/v1/policies', {
      body: { ...daily, target: { client: 'nobody' }, action: 'new-client-key' },
    });
    const policy = await created();
    const replaced = await api.call('PUT', `/v1/policies/${policy.id}`, {
      body: { ...daily, target: { topic: 'no/t' } },
    });
    expect([topic.status, errorCodeOf(topic), client.status, errorCodeOf(client)]).toEqual([
      404,
      'NOT_FOUND',
      404,
      'NOT_FOUND',
    ]);
    expect(topic.json.error.message).toBe('target: no topic "not/yet" (create it first, or name a prefix)');
    expect([replaced.status, (await api.call('GET', `/v1/policies/${policy.id}`)).json.revision]).toEqual([404, 1]);
    const empty = await created({ ...daily, target: { topicPrefix: 'nothing/' } });
    expect((await api.call('POST', `/v1/policies/${empty.id}/run`)).json.run.outcome).toBe('empty');
  });

  it('deleting a topic deletes the policies naming it (not those of a prefix), and says so', async () => {
    const { hash } = await createTopic('gone/1');
    const named = await created({ ...daily, target: { topic: 'gone/1' } });
    const prefix = await created({ ...daily, target: { topicPrefix: 'gone/' } });
    const deleted = await api.call('DELETE', `/v1/topics/${hash}`);
    expect(deleted.status, deleted.raw).toBe(202);
    await operationFinishedOverHttp((path) => api.call('GET', path), deleted.json.operation.id);
    expect((await api.call('GET', `/v1/policies/${named.id}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/policies/${prefix.id}`)).status).toBe(200);
    const events = await api.call('GET', '/v1/events?limit=5');
    const event = events.json.items.find((item: { action: string }) => item.action === 'topic.delete');
    expect(event.details.policiesDeleted).toEqual([named.id]);
  });

  it('a repeated manual run whose target matched nothing is recorded once (same Idempotency-Key)', async () => {
    const policy = await created({ ...daily, target: { topicPrefix: 'void/' } });
    const headers = { 'idempotency-key': 'run-void' };
    const first = await api.call('POST', `/v1/policies/${policy.id}/run`, { headers });
    const repeat = await api.call('POST', `/v1/policies/${policy.id}/run`, { headers });
    const runs = await api.call('GET', `/v1/policies/${policy.id}/runs`);
    expect(first.json.run.outcome).toBe('empty');
    expect(repeat.json.run).toEqual(first.json.run);
    expect(runs.json.items).toHaveLength(1);
  });

  it('a scheduled run at a time the policy no longer names is skipped (STALE_SCHEDULE) and rotates nothing', async () => {
    const { hash } = await createTopic('vents/1');
    const policy = await created({ ...daily, target: { topic: 'vents/1' } });
    const run = await runPolicy(api.c2.deps, callerOf(TENANT, 'scheduler'), policy.id, {
      reason: 'schedule',
      scheduledTime: '2027-01-01T05:00:00Z', // 06:00 in Paris: not 03:00
    });
    expect(run.run).toMatchObject({ outcome: 'skipped', operations: [], error: { code: 'STALE_SCHEDULE' } });
    expect((await api.call('GET', `/v1/topics/${hash}`)).json.keyVersion).toBe(1);
  });
});
