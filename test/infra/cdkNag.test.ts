import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { removeTestApps, testApp } from './synthApp.js';

afterAll(removeTestApps);

interface Report {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

const reportOf = (outdir: string): Report =>
  JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;

/** "rule @ construct path" of every violation of the report, sorted. */
const findingsOf = (report: Report): string[] =>
  report.pluginReports
    .flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => `${violation.ruleName} @ ${construct.constructPath}`),
      ),
    )
    .sort();

// Two rule packs over every resource take 15 to 35 s on a busy machine: more than the default test timeout.
const NAG_TIMEOUT = 120_000;

describe('cdk-nag (AwsSolutions, Serverless) on the app', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(
    'synthesizes with zero findings, errors or warnings',
    () => {
      // Prepare
      const { app, outdir, stateful, service } = testApp({ checks: true });
      // Act
      app.synth();
      // Assess
      expect(findingsOf(reportOf(outdir))).toEqual([]);
      for (const stack of [stateful, service]) {
        expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
        expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      }
    },
    NAG_TIMEOUT,
  );

  it(
    'acknowledges exactly these findings, each written with its reason (none stale, none hiding another)',
    () => {
      // Prepare: the same app with every acknowledgement ignored, and failing synth turned into a report.
      const validations = Object.getPrototypeOf(Validations.of(new Construct(undefined as never, 'probe')));
      const acknowledge = vi.spyOn(validations, 'acknowledge').mockImplementation(() => {});
      const { app, outdir } = testApp({
        checks: true,
        context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
      });
      // Act
      app.synth();
      // Assess
      const service = 'e4c2-dev-service';
      const functions = ['ApiFunction', 'LifecycleFunction', 'RotationFunction', 'WorkerFunction'];
      const roles = functions.map((fn) => `${fn}Role`);
      const withAuthorizer = [...functions, 'AuthorizerFunction', 'ProvisioningHookFunction'];
      const provider = `${service}/AWS679f53fac002430cb0da5b7982bd2287/Resource`;
      const iam5 = (resource: string, ...paths: string[]) =>
        paths.map((path) => `AwsSolutions-IAM5[Resource::${resource}] @ ${service}/${path}/Resource`);
      const arn = 'arn:<AWS::Partition>';
      const deployer = `${service}/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C512MiB`;
      expect(findingsOf(reportOf(outdir))).toEqual(
        [
          // The public routes (the others go through the authorizer)
          `AwsSolutions-APIG4 @ ${service}/HttpApi/GET--v1--health/Resource`,
          `AwsSolutions-APIG4 @ ${service}/HttpApi/GET--v1--openapi.json/Resource`,
          ...withAuthorizer.map((fn) => `AwsSolutions-L1 @ ${service}/${fn}/Resource`),
          ...withAuthorizer.map((fn) => `Serverless-LambdaLatestVersion @ ${service}/${fn}/Resource`),
          // Never invoked asynchronously (rotation has the dead-letter queue); CDK's lookup provider
          // (and the pre-provisioning hook: IoT Core invokes it synchronously)
          ...[
            'ApiFunction',
            'AuthorizerFunction',
            'WorkerFunction',
            'LifecycleFunction',
            'ProvisioningHookFunction',
          ].map((fn) => `Serverless-LambdaDLQ @ ${service}/${fn}/Resource`),
          `Serverless-LambdaDLQ @ ${provider}`,
          `Serverless-LambdaTracing @ ${provider}`,
          `Serverless-LambdaEventSourceMappingDestination @ ${service}/WorkerFunction/SqsEventSource:e4c2devserviceWorkQueue250B1537/Resource`,
          `Serverless-LambdaEventSourceMappingDestination @ ${service}/LifecycleFunction/SqsEventSource:e4c2devserviceLifecycleEventsQueueE553F4A4/Resource`,
          `Serverless-SQSRedrivePolicy @ ${service}/Work/DeadLetters/Resource`,
          `Serverless-SQSRedrivePolicy @ ${service}/ScheduleDeadLetters/Resource`,
          // X-Ray (every function), iot:CreateKeysAndCertificate (api), iot:DescribeEndpoint (the endpoint lookup)
          ...iam5(
            '*',
            ...[...roles, 'AuthorizerFunctionRole', 'ProvisioningHookFunctionRole'].map(
              (role) => `${role}/DefaultPolicy`,
            ),
            'IotDataEndpoint/Lookup/CustomResourcePolicy',
          ),
          ...iam5(`${arn}:iot:eu-west-1:123456789012:topic/e4/*`, ...roles.map((role) => `${role}/DefaultPolicy`)),
          ...iam5(
            `${arn}:scheduler:eu-west-1:123456789012:schedule/e4c2-dev/*`,
            'ApiFunctionRole/DefaultPolicy',
            'WorkerFunctionRole/DefaultPolicy',
          ),
          ...iam5(
            `${arn}:iot:eu-west-1:123456789012:thing/e4c2-*`,
            'ApiFunctionRole/DefaultPolicy',
            'WorkerFunctionRole/DefaultPolicy',
            'ProvisioningHookFunctionRole/DefaultPolicy',
            'FleetProvisioning/ProvisioningRole/DefaultPolicy',
          ),
          ...iam5(
            `${arn}:iot:eu-west-1:123456789012:cert/*`,
            'ApiFunctionRole/DefaultPolicy',
            'WorkerFunctionRole/DefaultPolicy',
            'FleetProvisioning/ProvisioningRole/DefaultPolicy',
          ),
          // The web UI's distribution: no geo restriction, no web ACL, the default certificate (no e4c2:webUiDomain)
          ...['CFR1', 'CFR2', 'CFR4'].map((rule) => `AwsSolutions-${rule} @ ${service}/WebUi/Distribution/Resource`),
          // CDK's own handler of BucketDeployment (deployment time only), its managed policy and wildcards
          ...[
            'AwsSolutions-L1',
            'Serverless-LambdaLatestVersion',
            'Serverless-LambdaDLQ',
            'Serverless-LambdaTracing',
          ].map((rule) => `${rule} @ ${deployer}/Resource`),
          `AwsSolutions-IAM4[Policy::${arn}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ ${deployer}/ServiceRole/Resource`,
          ...[
            'Action::s3:GetObject*',
            'Action::s3:GetBucket*',
            'Action::s3:List*',
            'Action::s3:DeleteObject*',
            'Action::s3:Abort*',
            `Resource::${arn}:s3:::cdk-hnb659fds-assets-123456789012-eu-west-1/*`,
            'Resource::<WebUiFiles4A398E36.Arn>/*',
            'Resource::*',
          ].map((finding) => `AwsSolutions-IAM5[${finding}] @ ${deployer}/ServiceRole/DefaultPolicy/Resource`),
        ].sort(),
      );
      // Every acknowledgement carries a reason of some substance.
      const calls = acknowledge.mock.calls as Array<[{ id: string; reason: string }]>;
      expect(calls.length).toBeGreaterThan(0);
      for (const [{ id, reason }] of calls) expect(reason.length, id).toBeGreaterThan(40);
    },
    NAG_TIMEOUT,
  );
});
