import { describe, expect, it } from 'vitest';
import { awsConfigFromEnv } from '../../../functions/awsConfig.js';

describe('awsConfigFromEnv', () => {
  const env = {
    TABLE_NAME: 't',
    KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:1:key/k',
    IOT_DATA_ENDPOINT: 'x-ats.iot.eu-west-1.amazonaws.com',
    WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/e4c2-work',
  };

  it('reads the environment the stack sets', () => {
    const dlq = 'arn:aws:sqs:eu-west-1:1:e4c2-schedule-dead-letters';
    const read = awsConfigFromEnv({
      ...env,
      AWS_REGION: 'eu-west-1',
      SCHEDULE_GROUP: 'g',
      SCHEDULE_DEAD_LETTER_ARN: dlq,
    });
    expect(read).toMatchObject({
      region: 'eu-west-1',
      tableName: 't',
      kmsKeyArn: env.KMS_KEY_ARN,
      iotDataEndpoint: env.IOT_DATA_ENDPOINT,
      workQueueUrl: env.WORK_QUEUE_URL,
      scheduleGroup: 'g',
      scheduleDeadLetterArn: dlq,
    });
  });

  it.each(['TABLE_NAME', 'KMS_KEY_ARN', 'IOT_DATA_ENDPOINT', 'WORK_QUEUE_URL'])(
    'fails the cold start, naming %s, when it is missing',
    (name) => {
      const partial: Record<string, string> = { ...env };
      delete partial[name];
      expect(() => awsConfigFromEnv(partial)).toThrow(name);
    },
  );
});
