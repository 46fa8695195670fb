/**
 * The configuration of the Lambda functions: the one place that reads the environment (set by the service stack,
 * infra/). A missing variable fails the cold start with its name, never later.
 */
export interface AwsC2Config {
  readonly region: string | undefined;
  readonly tableName: string;
  readonly kmsKeyArn: string;
  /** The account's `iot:Data-ATS` endpoint host (or URL). */
  readonly iotDataEndpoint: string;
  /** The work queue (SQS URL): where operations are handed to the worker function, and what it drains. */
  readonly workQueueUrl: string;
  readonly devicePolicyName: string | undefined;
  readonly scheduleGroup: string | undefined;
  readonly schedulerRoleArn: string | undefined;
  readonly rotationFunctionArn: string | undefined;
  /** Where the policies' schedules put a run they could not deliver (SQS ARN). */
  readonly scheduleDeadLetterArn: string | undefined;
  /**
   * The TenantAccessRole the functions assume, tagged with a tenant, to act for it (functions/tenantCredentials.ts);
   * without it (tests, stacks deployed before it) they act with their own role for every tenant.
   */
  readonly tenantRoleArn: string | undefined;
}

export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsC2Config {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`e4c2: environment variable ${name} is not set`);
    return value;
  };
  return {
    region: env.AWS_REGION,
    tableName: required('TABLE_NAME'),
    kmsKeyArn: required('KMS_KEY_ARN'),
    iotDataEndpoint: required('IOT_DATA_ENDPOINT'),
    workQueueUrl: required('WORK_QUEUE_URL'),
    devicePolicyName: env.DEVICE_POLICY_NAME,
    scheduleGroup: env.SCHEDULE_GROUP,
    schedulerRoleArn: env.SCHEDULER_ROLE_ARN,
    rotationFunctionArn: env.ROTATION_FUNCTION_ARN,
    scheduleDeadLetterArn: env.SCHEDULE_DEAD_LETTER_ARN,
    tenantRoleArn: env.TENANT_ROLE_ARN,
  };
}
