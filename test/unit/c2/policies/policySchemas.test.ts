import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { PolicyInputSchema } from '../../../../shared/c2/schemas/policies.js';

const daily = {
  name: 'rotate sensors daily',
  target: { topicPrefix: 'sensors/' },
  action: 'rotate-topic-key',
  schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' },
};

/** The issues of parsing `input`, as "path: message". */
function issues(input: unknown): string[] {
  const parsed = PolicyInputSchema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('PolicyInputSchema: good policies', () => {
  it('reads a scheduled topic policy, enabled by default', () => {
    expect(PolicyInputSchema.parse(daily)).toEqual({ ...daily, enabled: true });
  });

  it.each([
    ['one topic', { topic: 'a/b' }, 'rotate-topic-key'],
    ['all topics', { allTopics: true }, 'rotate-topic-key'],
    ['one client', { client: 'device-1' }, 'new-client-key'],
    ['clients by prefix', { clientPrefix: 'device-' }, 'new-client-key'],
    ['the tenant', { tenant: true }, 'rotate-c2-key'],
  ])('takes %s with its action', (_, target, action) => {
    expect(issues({ ...daily, target, action })).toEqual([]);
  });

  it('takes events without a schedule, and a flexible window', () => {
    const policy = {
      name: 'on churn',
      target: { topic: 'a/b' },
      action: 'rotate-topic-key',
      events: [
        { type: 'client.subscribed', count: 10 },
        { type: 'client.unsubscribed', count: 1 },
        { type: 'client.removed', delayMinutes: 0, batchMinutes: 60 },
        { type: 'key.age', days: 90 },
      ],
      enabled: false,
    };
    expect(PolicyInputSchema.parse(policy)).toEqual(policy);
    expect(issues({ ...daily, schedule: { expression: 'rate(1 day)', flexibleWindowMinutes: 15 } })).toEqual([]);
  });

  it('takes key.age for a client and a C2 key policy', () => {
    const events = [{ type: 'key.age', days: 365 }];
    expect(issues({ name: 'c', target: { client: 'd' }, action: 'new-client-key', events })).toEqual([]);
    expect(issues({ name: 'c', target: { tenant: true }, action: 'rotate-c2-key', events })).toEqual([]);
  });
});

describe('PolicyInputSchema: bad policies', () => {
  it.each([
    [
      'a bad cron',
      { ...daily, schedule: { expression: 'cron(0 3 * * * *)' } },
      'schedule.expression: cron day-of-month and day-of-week: exactly one of them must be "?"',
    ],
    [
      'a rate under a minute',
      { ...daily, schedule: { expression: 'rate(0 minutes)' } },
      'schedule.expression: rate must be at least 1 minute',
    ],
    [
      'an unknown zone',
      { ...daily, schedule: { expression: 'rate(1 day)', timezone: 'Europe/Atlantis' } },
      'schedule.timezone: must be an IANA time zone, as in Europe/Paris',
    ],
    [
      'a window too wide',
      { ...daily, schedule: { expression: 'rate(1 day)', flexibleWindowMinutes: 1441 } },
      'schedule.flexibleWindowMinutes: must be a whole number of minutes from 1 to 1440',
    ],
    [
      'an extra schedule field',
      { ...daily, schedule: { expression: 'rate(1 day)', start: 1 } },
      'schedule: Unrecognized key: "start"',
    ],
    [
      'no schedule and no event',
      { ...daily, schedule: undefined },
      'schedule: a policy needs a schedule or at least one event',
    ],
    [
      'no schedule and no events',
      { ...daily, schedule: undefined, events: [] },
      'schedule: a policy needs a schedule or at least one event',
    ],
    [
      'a topic action on a client',
      { ...daily, target: { client: 'd' } },
      'target: rotate-topic-key takes a target of "topic", "topicPrefix", "allTopics"',
    ],
    [
      'a client action on a topic',
      { ...daily, action: 'new-client-key' },
      'target: new-client-key takes a target of "client", "clientPrefix"',
    ],
    [
      'a C2 key action on topics',
      { ...daily, action: 'rotate-c2-key' },
      'target: rotate-c2-key takes a target of "tenant"',
    ],
    [
      'an unknown action',
      { ...daily, action: 'rotate' },
      'action: must be one of rotate-topic-key, new-client-key, rotate-c2-key',
    ],
    [
      'a subscription event on a client policy',
      {
        ...daily,
        target: { client: 'd' },
        action: 'new-client-key',
        events: [{ type: 'client.subscribed', count: 1 }],
      },
      'events.0.type: "client.subscribed" counts on topics: it goes with rotate-topic-key only',
    ],
    [
      'an event twice',
      {
        ...daily,
        events: [
          { type: 'key.age', days: 1 },
          { type: 'key.age', days: 2 },
        ],
      },
      'events.1.type: "key.age" is given twice',
    ],
    [
      'a count of 0',
      { ...daily, events: [{ type: 'client.subscribed', count: 0 }] },
      'events.0.count: must be a whole number from 1 to 1000000',
    ],
    [
      'a negative delay',
      { ...daily, events: [{ type: 'client.removed', delayMinutes: -1 }] },
      'events.0.delayMinutes: must be a whole number of minutes from 0 to 10080',
    ],
    [
      'a batch of 0',
      { ...daily, events: [{ type: 'client.removed', batchMinutes: 0 }] },
      'events.0.batchMinutes: must be a whole number of minutes from 1 to 10080',
    ],
    [
      'an age in fractions',
      { ...daily, events: [{ type: 'key.age', days: 1.5 }] },
      'events.0.days: must be a whole number of days from 1 to 3650',
    ],
    [
      'an unknown event',
      { ...daily, events: [{ type: 'client.created' }] },
      'events.0.type: must be an event: client.subscribed, client.unsubscribed, client.removed or key.age',
    ],
    ['events not in a list', { ...daily, events: { type: 'key.age', days: 1 } }, 'events: must be a list of events'],
    [
      'five events',
      { ...daily, events: Array(5).fill({ type: 'key.age', days: 1 }) },
      'events: must hold at most 4 events (one of each type)',
    ],
    ['an empty name', { ...daily, name: '' }, 'name: must be a string of 1 to 128 bytes of UTF-8'],
    ['enabled as a string', { ...daily, enabled: 'yes' }, 'enabled: must be true or false'],
  ])('refuses %s', (_, input, issue) => {
    expect(issues(input)).toContain(issue);
  });

  const shapes =
    'target: must be one of { "topic" }, { "topicPrefix" }, { "allTopics": true }, { "client" }, { "clientPrefix" } ' +
    'or { "tenant": true }';
  it.each([
    ['no target field', {}, shapes],
    ['two target fields', { topic: 'a', client: 'b' }, shapes],
    ['a target of another kind', { group: 'a' }, shapes],
    ['a string', 'a/b', shapes],
    ['allTopics false', { allTopics: false }, 'target: "allTopics" must be true'],
    ['an empty prefix', { topicPrefix: '' }, 'target.topicPrefix: must be a string of 1 to 512 bytes of UTF-8'],
    ['a topic too long', { topic: 'x'.repeat(513) }, 'target.topic: must be a string of 1 to 512 bytes of UTF-8'],
  ])('refuses a target with %s', (_, target, issue) => {
    expect(issues({ ...daily, target })).toContain(issue);
  });

  it('refuses a field it does not know', () => {
    expect(issues({ ...daily, owner: 'me' })).toEqual([': Unrecognized key: "owner"']);
  });
});

describe('PolicyInputSchema: the OpenAPI document', () => {
  it('converts to JSON Schema with its parts named and bounded', () => {
    const json = z.toJSONSchema(PolicyInputSchema, { io: 'input', target: 'draft-2020-12' }) as {
      $defs: Record<string, { properties?: Record<string, { maxLength?: number }>; anyOf?: unknown[] }>;
    };
    expect(Object.keys(json.$defs).sort()).toEqual(['PolicyEvent', 'PolicyInput', 'PolicySchedule', 'PolicyTarget']);
    expect(json.$defs.PolicySchedule?.properties?.expression?.maxLength).toBe(256);
    expect(json.$defs.PolicyTarget?.anyOf).toHaveLength(6);
  });
});
