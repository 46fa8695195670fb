/**
 * Builds the CDK app: the stateful and the service stack, from the configuration in the context (infra/config.ts),
 * checked by cdk-nag's AwsSolutions and Serverless rules (a finding fails the synth; each acknowledgement is written next to the
 * resource it concerns, with its reason). infra/app.ts runs it for the CDK CLI; the tests build it themselves.
 */
import { App, type AppProps, Aspects, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CfnLintMetadata } from './cfnLintMetadata.js';
import { type InfraConfig, loadConfig } from './config.js';
import { ServiceStack } from './ServiceStack.js';
import { StatefulStack } from './StatefulStack.js';

export interface CreateAppOptions extends AppProps {
  /** Run the cdk-nag AwsSolutions and Serverless checks at synth (default true). */
  readonly checks?: boolean;
}

export interface C2App {
  readonly app: App;
  readonly config: InfraConfig;
  readonly stateful: StatefulStack;
  readonly service: ServiceStack;
}

export function createApp(options: CreateAppOptions = {}): C2App {
  const { checks = true, ...appProps } = options;
  const app = new App({
    ...appProps,
    context: {
      // The service stack imports the table and the key with Fn::ImportValue: the stateful stack cannot lose them
      // while the service stack uses them (the coupling a retained stack should have).
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      // S3 server access logs (the web UI bucket's) delivered under a bucket policy, not the legacy ACL
      // LogDeliveryWrite on the log bucket (cfn-lint W3045).
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      ...appProps.context,
    },
  });
  const config = loadConfig(app);
  const env = { account: config.account, region: config.region };

  const stateful = new StatefulStack(app, `${config.namePrefix}-stateful`, {
    env,
    config,
    description: `E4 C2 (${config.stage}): the key store table and the KMS key (retained)`,
  });
  const service = new ServiceStack(app, `${config.namePrefix}-service`, {
    env,
    config,
    table: stateful.table,
    key: stateful.key,
    description: `E4 C2 (${config.stage}): HTTP API, functions, AWS IoT policy and rules, scheduler, alarms${config.webUi ? ', web UI' : ''}`,
  });
  service.addStackDependency(stateful);

  // Not on dashboards: CloudFormation's AWS::CloudWatch::Dashboard schema (as cfn-lint knows it) takes no tags.
  const tagging = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(app).add('project', 'e4c2', tagging);
  Tags.of(app).add('stage', config.stage, tagging);
  Aspects.of(app).add(new CfnLintMetadata());
  if (checks) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, config, stateful, service };
}
