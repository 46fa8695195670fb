/**
 * The configuration of the AWS functions for tests against moto (composeAwsC2 with `clients` pointed at it): region
 * us-east-1, the fields given, every optional adapter (device provisioner, scheduler) and the tenant role off unless given.
 */
import type { AwsC2Config } from '../../functions/awsConfig.js';

export function awsC2Config(
  fields: Pick<AwsC2Config, 'tableName' | 'kmsKeyArn' | 'iotDataEndpoint' | 'workQueueUrl'> & Partial<AwsC2Config>,
): AwsC2Config {
  return {
    region: 'us-east-1',
    devicePolicyName: undefined,
    scheduleGroup: undefined,
    schedulerRoleArn: undefined,
    rotationFunctionArn: undefined,
    scheduleDeadLetterArn: undefined,
    tenantRoleArn: undefined,
    ...fields,
  };
}
