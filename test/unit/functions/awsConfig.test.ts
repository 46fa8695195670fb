import { describe, expect, it } from 'vitest';
import { awsConfigFromEnv } from '../../../functions/awsConfig.js';

describe('awsConfigFromEnv', () => {
  const env = {
    TABLE_NAME: 't',
    KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:1:key/k',
    IOT_DATA_ENDPOINT: 'x-ats.iot.eu-west-1.amazonaws.com',
  };

  it('reads the environment the stack sets', () => {
    expect(awsConfigFromEnv({ ...env, AWS_REGION: 'eu-west-1', SCHEDULE_GROUP: 'g' })).toMatchObject({
      region: 'eu-west-1',
      tableName: 't',
      kmsKeyArn: env.KMS_KEY_ARN,
      iotDataEndpoint: env.IOT_DATA_ENDPOINT,
      scheduleGroup: 'g',
    });
  });

  it.each(['TABLE_NAME', 'KMS_KEY_ARN', 'IOT_DATA_ENDPOINT'])(
    'fails the cold start, naming %s, when it is missing',
    (name) => {
      const partial: Record<string, string> = { ...env };
      delete partial[name];
      expect(() => awsConfigFromEnv(partial)).toThrow(name);
    },
  );
});
