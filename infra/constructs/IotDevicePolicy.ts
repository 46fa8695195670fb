/**
 * The AWS IoT policy every device certificate gets (the C2's DeviceProvisioner attaches it), written with policy
 * variables so that one policy serves every device of every tenant. The topic space:
 *
 * - `e4/<e4id>`: the device's E4 control topic (`e4id` = lowercase hex of its E4 id). Only the C2 publishes there
 *   (its functions hold `iot:Publish` on `topic/e4/*`); the device subscribes to and receives its own, no other.
 * - `e4/<e4id>/receipt`: where the device publishes its receipts (a command applied and saved), for the receipt
 *   rule; the only topic under `e4/` a device may publish to.
 * - `t/<tenant>/...`: the application topics of a tenant. A device publishes, subscribes and receives only under
 *   its own tenant's prefix (MQTT wildcards included: a filter `t/<tenant>/#` is allowed, `t/#` is not).
 *
 * A device connects with client id = its thing name, and only while that thing is attached to the certificate it
 * presents. `e4id` and `tenant` are attributes of the thing, set when the C2 provisions it.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';

/** The thing attributes the policy reads. */
export const THING_ATTRIBUTE_E4ID = 'e4id';
export const THING_ATTRIBUTE_TENANT = 'tenant';

/** Prefix of every device's control topic (E4's default: `e4/<hex id>`). */
export const CONTROL_TOPIC_PREFIX = 'e4';
/** A device's receipts go to `e4/<hex id>/receipt`. */
export const RECEIPT_TOPIC_SUFFIX = 'receipt';
/** Prefix of the tenants' application topics: `t/<tenant>/...`. */
export const TENANT_TOPIC_PREFIX = 't';

/** An AWS IoT policy variable, `${name}`, resolved by IoT when the device connects. */
const policyVariable = (name: string): string => `\${${name}}`;
const THING_NAME = policyVariable('iot:Connection.Thing.ThingName');
const E4ID = policyVariable(`iot:Connection.Thing.Attributes[${THING_ATTRIBUTE_E4ID}]`);
const TENANT = policyVariable(`iot:Connection.Thing.Attributes[${THING_ATTRIBUTE_TENANT}]`);

export interface IotDevicePolicyProps {
  readonly policyName: string;
}

/** The policy document, its ARNs made by `stack` (partition, region, account). */
export function devicePolicyDocument(stack: Stack): Record<string, unknown> {
  const iot = (resource: string, resourceName: string) => stack.formatArn({ service: 'iot', resource, resourceName });
  const controlTopic = `${CONTROL_TOPIC_PREFIX}/${E4ID}`;
  const receiptTopic = `${controlTopic}/${RECEIPT_TOPIC_SUFFIX}`;
  const tenantTopics = `${TENANT_TOPIC_PREFIX}/${TENANT}/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: iot('client', THING_NAME),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Sid: 'SubscribeOwnControlTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [iot('topicfilter', controlTopic), iot('topicfilter', tenantTopics)],
      },
      {
        Sid: 'ReceiveOwnControlTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [iot('topic', controlTopic), iot('topic', tenantTopics)],
      },
      {
        Sid: 'PublishOwnReceiptTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [iot('topic', receiptTopic), iot('topic', tenantTopics)],
      },
    ],
  };
}

export class IotDevicePolicy extends Construct {
  readonly policyName: string;
  readonly policyArn: string;

  constructor(scope: Construct, id: string, props: IotDevicePolicyProps) {
    super(scope, id);
    const policy = new CfnPolicy(this, 'Resource', {
      policyName: props.policyName,
      policyDocument: devicePolicyDocument(Stack.of(this)),
    });
    this.policyName = props.policyName;
    this.policyArn = policy.attrArn;
  }
}
