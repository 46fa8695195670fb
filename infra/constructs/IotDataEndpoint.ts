/**
 * The account's AWS IoT data endpoint (`iot:Data-ATS`, `xxxx-ats.iot.<region>.amazonaws.com`), where the C2 publishes
 * its commands: the configured one (`e4c2:iotDataEndpoint`), else asked of IoT's DescribeEndpoint at deploy time by a
 * custom resource (synth needs no credentials either way).
 */
import { type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeWildcard } from '../nag.js';

export interface IotDataEndpointProps {
  /** The endpoint host name, if configured: no custom resource then. */
  readonly configured: string | undefined;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class IotDataEndpoint extends Construct {
  /** Host name of the endpoint (a token resolved at deploy time unless configured). */
  readonly address: string;

  constructor(scope: Construct, id: string, props: IotDataEndpointProps) {
    super(scope, id);
    if (props.configured) {
      this.address = props.configured;
      return;
    }
    const describeEndpoint: AwsSdkCall = {
      service: 'IoT',
      action: 'DescribeEndpoint',
      parameters: { endpointType: 'iot:Data-ATS' },
      physicalResourceId: PhysicalResourceId.fromResponse('endpointAddress'),
      outputPaths: ['endpointAddress'],
    };
    const logGroup = new LogGroup(this, 'ProviderLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // Its own role rather than the provider's default (AWSLambdaBasicExecutionRole): logs to its own group only.
    const role = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Looks up the AWS IoT data endpoint at deploy time (iot:DescribeEndpoint)',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const lookup = new AwsCustomResource(this, 'Lookup', {
      resourceType: 'Custom::IotDataEndpoint',
      onCreate: describeEndpoint,
      onUpdate: describeEndpoint,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          sid: 'DescribeIotEndpoint',
          effect: Effect.ALLOW,
          actions: ['iot:DescribeEndpoint'],
          resources: ['*'],
        }),
      ]),
      role,
      logGroup,
      memorySize: 256,
      installLatestAwsSdk: false,
    });
    // The provider function (one per stack, made by CDK) runs at deployment only, called by CloudFormation.
    const provider = Stack.of(this).node.findChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    Validations.of(provider).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        "CDK's provider of the endpoint lookup runs during a deployment only: CloudFormation reports its failure as " +
        "the deployment's, which then rolls back; a dead-letter queue would hold nothing anyone acts on.",
    });
    Validations.of(provider).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        "CDK's provider of the endpoint lookup (one DescribeEndpoint call per deployment) does not expose a tracing " +
        'setting; its log group records each call.',
    });
    this.address = lookup.getResponseField('endpointAddress');
    acknowledgeWildcard(lookup, '*', 'iot:DescribeEndpoint has no resource type: IAM accepts only "*" for it.');
  }
}
