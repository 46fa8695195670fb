/**
 * The policies' scheduler of a function that puts schedules (the api function, the worker), from its configuration:
 * EventBridge Scheduler in the stack's group, targeting the rotation function with the scheduler role, runs it
 * could not deliver to the schedules' dead-letter queue. None when the configuration lacks any of them.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeScheduler } from '../shared/adapters/aws/EventBridgeScheduler.js';
import type { Scheduler } from '../shared/c2/ports.js';
import type { AwsC2Config } from './awsConfig.js';
import type { AwsClientConfig } from './composeAwsC2.js';

export function schedulerOf(config: AwsC2Config): { scheduler?: (clients: AwsClientConfig) => Scheduler } {
  const { scheduleGroup, rotationFunctionArn, schedulerRoleArn, scheduleDeadLetterArn } = config;
  if (!scheduleGroup || !rotationFunctionArn || !schedulerRoleArn || !scheduleDeadLetterArn) return {};
  return {
    scheduler: (clients) =>
      new EventBridgeScheduler(new SchedulerClient(clients), {
        groupName: scheduleGroup,
        targetArn: rotationFunctionArn,
        roleArn: schedulerRoleArn,
        deadLetterArn: scheduleDeadLetterArn,
      }),
  };
}
