/**
 * The policy use cases keep each policy's EventBridge Scheduler schedule in step, against moto (the table and the
 * Scheduler): creating, changing, disabling, unscheduling and deleting a policy creates, updates and deletes its
 * schedule, with the rotation function as target, the input the rotation function takes, the retry policy and the
 * dead-letter queue. A Scheduler out of reach: a client pointed at a closed port; a change then is answered and its
 * schedule put by the worker from the work queue (moto's SQS), or, with the queue out of reach too, refused.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import {
  EventBridgeScheduler,
  RETRY_POLICY,
  scheduleNameOf,
} from '../../../shared/adapters/aws/EventBridgeScheduler.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { parseWorkMessage } from '../../../shared/c2/operations/parseWorkMessage.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { deletePolicy } from '../../../shared/c2/policies/deletePolicy.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
import { replacePolicy } from '../../../shared/c2/policies/replacePolicy.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { callerOf } from '../../support/callerOf.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { DLQ, ROLE, TARGET } from '../../support/schedulerArns.js';

const GROUP = 'e4c2-policies';
/** A tenant id the API accepts that the old `<tenant>--<name>` schedule names could not hold. */
const caller = callerOf('a--b', 'operator');
/** Now, to the minute: the start dates the Scheduler takes are near the real time (AWS: at most 5 minutes old). */
const CREATED = Math.floor(Date.now() / 60_000) * 60_000;
const DAY = 86_400_000;

const nightly = {
  name: 'nightly',
  target: { topicPrefix: 'sensors/' },
  action: 'rotate-topic-key',
  schedule: { expression: 'rate(1 day)' },
  enabled: true,
};

describeWithMoto('policy schedules over moto', (moto) => {
  let scheduler: SchedulerClient;
  let now = CREATED;
  let queueUrl = 'https://unused';
  /** `reachable: false`: the Scheduler's calls go to a closed port (connection refused). */
  const depsWith = (reachable = true): C2Deps => {
    const clients = clientConfig(moto());
    const groupName = GROUP;
    return {
      ...composeAwsC2(
        awsC2Config({
          tableName: 'e4c2-policies',
          kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/unused',
          iotDataEndpoint: clients.endpoint,
          workQueueUrl: queueUrl,
          scheduleGroup: groupName,
          schedulerRoleArn: ROLE,
          rotationFunctionArn: TARGET,
          scheduleDeadLetterArn: DLQ,
        }),
        {
          clients,
          scheduler: (settings) =>
            new EventBridgeScheduler(
              new SchedulerClient(
                reachable ? settings : { ...settings, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 },
              ),
              {
                groupName,
                targetArn: TARGET,
                roleArn: ROLE,
                deadLetterArn: DLQ,
              },
            ),
        },
      ),
      clock: () => now,
    };
  };
  let deps: C2Deps;

  beforeAll(() => {
    scheduler = new SchedulerClient(clientConfig(moto()));
  });
  afterAll(() => scheduler?.destroy());
  beforeEach(async () => {
    await moto().reset();
    const db = new DynamoDBClient(clientConfig(moto()));
    await createKeyStoreTable(db, 'e4c2-policies');
    db.destroy();
    await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
    now = CREATED;
    queueUrl = 'https://unused';
    deps = depsWith();
  });

  const scheduleOf = (policyId: string): Promise<GetScheduleCommandOutput> =>
    scheduler.send(new GetScheduleCommand({ Name: scheduleNameOf(caller.tenantId, policyId), GroupName: GROUP }));
  const namesInGroup = async () =>
    ((await scheduler.send(new ListSchedulesCommand({ GroupName: GROUP }))).Schedules ?? []).map((s) => s.Name);

  it('creates the schedule of a new policy: target, input, retry policy, DLQ, a rate starting one period on', async () => {
    // Act
    const policy = await createPolicy(deps, caller, {
      ...nightly,
      schedule: { ...nightly.schedule, flexibleWindowMinutes: 10 },
    });

    // Assess
    const stored = await scheduleOf(policy.id);
    expect(stored).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
      Target: { Arn: TARGET, RoleArn: ROLE, RetryPolicy: RETRY_POLICY, DeadLetterConfig: { Arn: DLQ } },
    });
    // The Scheduler runs a rate first at its start date: one period after the creation (a whole minute here).
    expect(stored.StartDate?.getTime()).toBe(CREATED + DAY);
    expect(policy.nextRuns[0]).toBe(new Date(CREATED + DAY).toISOString());
    expect(JSON.parse(stored.Target!.Input!)).toEqual({
      tenantId: 'a--b',
      policyId: policy.id,
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
  });

  it('updates it with the policy (a rate keeps its phase), disables it with the policy, deletes it with the policy', async () => {
    // Prepare
    const policy = await createPolicy(deps, caller, nightly);
    now = CREATED + 3.5 * DAY;

    // Act / Assess: a new rate keeps counting from the creation, from its next run (the Scheduler takes no start
    // date more than 5 minutes old)
    await replacePolicy(deps, caller, policy.id, { ...nightly, schedule: { expression: 'rate(2 days)' } });
    let stored = await scheduleOf(policy.id);
    expect(stored).toMatchObject({ ScheduleExpression: 'rate(2 days)', State: 'ENABLED' });
    expect(stored.StartDate?.getTime()).toBe(CREATED + 4 * DAY);

    // Act / Assess: a cron in a time zone, no start date
    await patchPolicy(deps, caller, policy.id, {
      schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' },
    });
    stored = await scheduleOf(policy.id);
    expect(stored).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
    expect(stored.StartDate).toBeUndefined();

    // Act / Assess: disabled
    await patchPolicy(deps, caller, policy.id, { enabled: false });
    expect((await scheduleOf(policy.id)).State).toBe('DISABLED');

    // Act / Assess: deleted
    await deletePolicy(deps, caller, policy.id);
    expect(await namesInGroup()).toEqual([]);
    expect(await deps.policies!.getPolicy(caller.tenantId, policy.id)).toBeUndefined();
  });

  it('deletes the schedule of a policy whose schedule is removed; deleting it then is fine', async () => {
    // Prepare
    const policy = await createPolicy(deps, caller, nightly);

    // Act
    await patchPolicy(deps, caller, policy.id, { schedule: null, events: [{ type: 'key.age', days: 30 }] });
    await deletePolicy(deps, caller, policy.id);

    // Assess
    expect(await namesInGroup()).toEqual([]);
  });

  it('a policy whose schedule cannot be put, nor its sync queued, is not created (no record, no schedule)', async () => {
    // Prepare
    const broken = depsWith(false);

    // Act
    const error = await createPolicy(broken, caller, nightly).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    // Assess
    expect(String(error)).toMatch(/ECONNREFUSED/);
    expect(await deps.policies!.countPolicies(caller.tenantId)).toBe(0);
    expect(await namesInGroup()).toEqual([]);
  });

  it('a change whose schedule cannot be put is answered; the worker puts it from the queued message', async () => {
    // Prepare: a real queue (moto's SQS)
    const sqs = new SQSClient(clientConfig(moto()));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work' }))).QueueUrl!;
    deps = depsWith();
    const policy = await createPolicy(deps, caller, nightly);
    const broken = depsWith(false);
    const change = { ...nightly, schedule: { expression: 'rate(7 days)' } };

    // Act
    const view = await replacePolicy(broken, caller, policy.id, change);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const messages = Messages.map((message) => parseWorkMessage(message.Body ?? ''));
    const stale = (await scheduleOf(policy.id)).ScheduleExpression;
    for (const parsed of messages) if (parsed.ok) await handleWork(deps, parsed.message);
    sqs.destroy();

    // Assess
    expect(view.revision).toBe(2);
    expect(messages).toEqual([
      { ok: true, message: { type: 'policySchedule', tenantId: caller.tenantId, policyId: policy.id } },
    ]);
    expect(stale).toBe('rate(1 day)');
    expect((await scheduleOf(policy.id)).ScheduleExpression).toBe('rate(7 days)');
  });
});
