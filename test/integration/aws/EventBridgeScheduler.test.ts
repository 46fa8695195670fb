/**
 * EventBridgeScheduler against moto's EventBridge Scheduler (CRUD only: its schedules never fire, and it checks no
 * name, expression or time zone, so the refusals below are the adapter's own).
 */
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeEach, expect, it } from 'vitest';
import {
  EventBridgeScheduler,
  RETRY_POLICY,
  scheduleNameOf,
} from '../../../shared/adapters/aws/EventBridgeScheduler.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import type { ScheduleSpec } from '../../../shared/c2/ports.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { DLQ, ROLE, TARGET } from '../../support/schedulerArns.js';

const GROUP = 'e4c2-schedules';

const clients: SchedulerClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

const rotateMonthly: ScheduleSpec = {
  name: 'rotate-sensors',
  expression: 'rate(30 days)',
  payload: { action: 'topic.rotate', topic: 'sensors/temp' },
};

describeWithMoto('EventBridgeScheduler over moto', (moto) => {
  let client: SchedulerClient;
  let scheduler: EventBridgeScheduler;

  beforeEach(async () => {
    await moto().reset();
    client = new SchedulerClient(clientConfig(moto()));
    clients.push(client);
    await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
    scheduler = new EventBridgeScheduler(client, {
      groupName: GROUP,
      targetArn: TARGET,
      roleArn: ROLE,
      deadLetterArn: DLQ,
    });
  });

  const namesInGroup = async () =>
    ((await client.send(new ListSchedulesCommand({ GroupName: GROUP }))).Schedules ?? []).map((s) => s.Name).sort();

  it('creates a schedule p-<hash> in the group, invoking the target with { tenantId, ...payload }, retries, DLQ', async () => {
    // Act
    await scheduler.putSchedule('tenant-a', rotateMonthly);

    // Assess
    const name = scheduleNameOf('tenant-a', 'rotate-sensors');
    expect(name).toMatch(/^p-[0-9a-f]{32}$/);
    const stored = await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
    expect(stored).toMatchObject({
      Name: name,
      GroupName: GROUP,
      ScheduleExpression: 'rate(30 days)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: TARGET, RoleArn: ROLE, RetryPolicy: RETRY_POLICY, DeadLetterConfig: { Arn: DLQ } },
    });
    expect(JSON.parse(stored.Target!.Input!)).toEqual({
      tenantId: 'tenant-a',
      ...rotateMonthly.payload,
      scheduledTime: '<aws.scheduler.scheduled-time>', // filled in by the Scheduler at each run
    });
    expect(await scheduler.getSchedule('tenant-a', 'rotate-sensors')).toEqual({ ...rotateMonthly, enabled: true });
  });

  it('replaces a schedule of the same name (expression, time zone, window, start, payload, state)', async () => {
    // Prepare
    await scheduler.putSchedule('tenant-a', rotateMonthly);
    const replacement: ScheduleSpec = {
      name: 'rotate-sensors',
      expression: 'cron(0 3 ? * MON *)',
      timezone: 'Europe/Paris',
      flexibleWindowMinutes: 15,
      startDate: '2026-12-01T00:00:00.000Z',
      payload: { action: 'topic.rotate', topic: 'sensors/humidity' },
      enabled: false,
    };

    // Act
    await scheduler.putSchedule('tenant-a', replacement);

    // Assess
    expect(await scheduler.getSchedule('tenant-a', 'rotate-sensors')).toEqual(replacement);
    expect(await namesInGroup()).toEqual([scheduleNameOf('tenant-a', 'rotate-sensors')]);
    const stored = await client.send(new GetScheduleCommand({ Name: (await namesInGroup())[0], GroupName: GROUP }));
    expect(stored.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 });
  });

  it('reads a schedule in UTC, the default, back without a time zone', async () => {
    // Act
    await scheduler.putSchedule('tenant-a', { ...rotateMonthly, timezone: 'UTC' });

    // Assess
    expect(await scheduler.getSchedule('tenant-a', 'rotate-sensors')).toEqual({ ...rotateMonthly, enabled: true });
  });

  it('keeps the schedules of two tenants with the same name apart', async () => {
    // Act
    await scheduler.putSchedule('tenant-a', rotateMonthly);
    await scheduler.putSchedule('tenant-b', { ...rotateMonthly, expression: 'at(2027-01-01T00:00:00)' });

    // Assess
    expect((await scheduler.getSchedule('tenant-a', 'rotate-sensors'))?.expression).toBe('rate(30 days)');
    expect((await scheduler.getSchedule('tenant-b', 'rotate-sensors'))?.expression).toBe('at(2027-01-01T00:00:00)');
    expect(await namesInGroup()).toEqual(
      [scheduleNameOf('tenant-a', 'rotate-sensors'), scheduleNameOf('tenant-b', 'rotate-sensors')].sort(),
    );
  });

  it('deletes a schedule; a missing one reads as undefined and deletes as NOT_FOUND', async () => {
    // Prepare
    await scheduler.putSchedule('tenant-a', rotateMonthly);

    // Act
    await scheduler.deleteSchedule('tenant-a', 'rotate-sensors');

    // Assess
    expect(await scheduler.getSchedule('tenant-a', 'rotate-sensors')).toBeUndefined();
    expect(await codeOfAsync(() => scheduler.deleteSchedule('tenant-a', 'rotate-sensors'))).toBe(C2ErrorCode.NotFound);
    expect(await codeOfAsync(() => scheduler.deleteSchedule('tenant-b', 'never-made'))).toBe(C2ErrorCode.NotFound);
    expect(await namesInGroup()).toEqual([]);
  });

  it("does not return another tenant's schedule stored under the name (its input names the owner)", async () => {
    // Prepare: a schedule planted under tenant-a's name whose input belongs to tenant-b
    await client.send(
      new CreateScheduleCommand({
        Name: scheduleNameOf('tenant-a', 'planted'),
        GroupName: GROUP,
        ScheduleExpression: 'rate(1 day)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: TARGET, RoleArn: ROLE, Input: JSON.stringify({ tenantId: 'tenant-b' }) },
      }),
    );

    // Act / Assess
    expect(await scheduler.getSchedule('tenant-a', 'planted')).toBeUndefined();
  });

  it.each<[string, string, Partial<ScheduleSpec>]>([
    ['an empty name', 'tenant-a', { name: '' }],
    ['a name with a space', 'tenant-a', { name: 'rotate sensors' }],
    ['a name with a slash', 'tenant-a', { name: 'rotate/sensors' }],
    ['a name of 65 characters', 'tenant-a', { name: 'x'.repeat(65) }],
    ['an empty tenant id', '', {}],
    ['a window of 0 minutes', 'tenant-a', { flexibleWindowMinutes: 0 }],
    ['a window over a day', 'tenant-a', { flexibleWindowMinutes: 1441 }],
    ['a start date that is no time', 'tenant-a', { startDate: 'tomorrow' }],
    ['an unknown expression', 'tenant-a', { expression: 'every day' }],
    ['a rate without unit', 'tenant-a', { expression: 'rate(5)' }],
    ['a cron of 5 fields', 'tenant-a', { expression: 'cron(0 3 * * ?)' }],
    ['an unknown time zone', 'tenant-a', { timezone: 'Mars/Olympus' }],
    ['a payload that sets tenantId', 'tenant-a', { payload: { tenantId: 'tenant-b' } }],
    ['a payload that sets scheduledTime', 'tenant-a', { payload: { scheduledTime: 'now' } }],
    ['a payload that is an array', 'tenant-a', { payload: [] as unknown as Record<string, unknown> }],
    ['a payload over 8 KiB of JSON', 'tenant-a', { payload: { blob: 'x'.repeat(8200) } }],
  ])('refuses %s with INVALID_INPUT and creates nothing', async (_, tenantId, change) => {
    // Act
    const code = await codeOfAsync(() => scheduler.putSchedule(tenantId, { ...rotateMonthly, ...change }));

    // Assess
    expect(code).toBe(C2ErrorCode.InvalidInput);
    expect(await namesInGroup()).toEqual([]);
  });

  it.each([
    ['a--b', 'a tenant id with "--"'],
    ['a-', 'a tenant id ending with "-"'],
    ['t'.repeat(63), 'a tenant id of 63 characters'],
  ])('gives every tenant id the API accepts its schedules (%s: %s), with a 64-character name', async (tenantId) => {
    // Prepare
    const name = 'y'.repeat(64);

    // Act
    await scheduler.putSchedule(tenantId, { ...rotateMonthly, name });
    await scheduler.putSchedule('a', { ...rotateMonthly, name: 'b--y' });

    // Assess
    expect((await scheduler.getSchedule(tenantId, name))?.name).toBe(name);
    expect(await namesInGroup()).toEqual([scheduleNameOf(tenantId, name), scheduleNameOf('a', 'b--y')].sort());
  });

  it('refuses invalid names when reading and deleting too', async () => {
    expect(await codeOfAsync(() => scheduler.getSchedule('tenant-a', 'a b'))).toBe(C2ErrorCode.InvalidInput);
    expect(await codeOfAsync(() => scheduler.deleteSchedule('tenant-a', ''))).toBe(C2ErrorCode.InvalidInput);
    expect(await codeOfAsync(() => scheduler.getSchedule('', 'x'))).toBe(C2ErrorCode.InvalidInput);
  });
});
