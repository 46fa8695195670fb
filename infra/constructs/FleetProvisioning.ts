/**
 * AWS IoT fleet provisioning by claim, next to the per-device certificates the C2 makes itself (IotDeviceProvisioner):
 * a device leaves the factory with the claim certificate (shared by a batch, attached to the claim policy), connects
 * with it once, asks IoT Core for a certificate of its own and registers it through the provisioning template; the
 * pre-provisioning hook (functions/provisioningHook/) lets only a client its tenant enrolled, that proves it holds
 * its E4 key, through. The template makes what the C2's provisioner makes: the thing `e4c2-<tenant>-<hex E4 id>`
 * with attributes `tenant` and `e4id`, the new certificate active, attached to the thing and to the device policy, so
 * the device policy applies unchanged.
 *
 * - The claim policy: connect as `e4c2_claim-*` only (never as a device's thing name, `e4c2-<tenant>-<hex>`: a tenant
 *   id holds no `_`, so a claim certificate cannot take a device's connection over), publish, subscribe and receive on the two topics of fleet provisioning only
 *   (`$aws/certificates/create/*`, `$aws/provisioning-templates/<template>/provision/*`).
 * - The provisioning role, assumed by IoT Core for this template only: the things of the C2 (`e4c2-*`), the
 *   certificates (ids unknown in advance), the device policy; nothing else.
 * - The hook's invocation: by IoT Core, for this account and template only.
 *
 * The template parameters are those shared/c2/provisioning/allowFleetProvisioning.ts reads (a test checks that the
 * two lists agree: infra imports no runtime code).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy, CfnProvisioningTemplate } from 'aws-cdk-lib/aws-iot';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeWildcard } from '../nag.js';
import type { C2Function } from './C2Function.js';
import { THING_ATTRIBUTE_E4ID, THING_ATTRIBUTE_TENANT } from './IotDevicePolicy.js';

/** The parameters of the template: what a device sends in RegisterThing (and the hook pins). */
export const TEMPLATE_PARAMETERS = {
  tenantId: 'TenantId',
  clientId: 'ClientId',
  clientName: 'ClientName',
  proof: 'Proof',
} as const;

/** What IoT Core sends the hook (its documented payload version). */
export const HOOK_PAYLOAD_VERSION = '2020-04-01';
/**
 * Client ids a claim certificate may connect with: `_` is in no tenant id (`^[a-z0-9][a-z0-9-]{0,62}$`), so no thing
 * name `e4c2-<tenant>-<hex>` (a device's client id) starts with it, whatever the tenant (`claim`, `claim-x`...).
 */
export const CLAIM_CLIENT_PREFIX = 'e4c2_claim-';
/** What IoT Core does, for the template, with the provisioning role. */
export const PROVISIONING_THING_ACTIONS = [
  'iot:CreateThing',
  'iot:DescribeThing',
  'iot:UpdateThing',
  'iot:AttachThingPrincipal',
  'iot:ListThingPrincipals',
] as const;
export const PROVISIONING_CERTIFICATE_ACTIONS = [
  'iot:DescribeCertificate',
  'iot:UpdateCertificate',
  'iot:AttachPolicy',
  'iot:AttachThingPrincipal',
] as const;
export const PROVISIONING_POLICY_ACTIONS = ['iot:GetPolicy', 'iot:AttachPolicy'] as const;

export interface FleetProvisioningProps {
  /** The template's name (at most 36 of [0-9A-Za-z_-]). */
  readonly templateName: string;
  readonly claimPolicyName: string;
  /** The device policy (IotDevicePolicy) the template attaches to each new certificate. */
  readonly devicePolicyName: string;
  readonly hook: C2Function;
}

/** The template body: the thing, the certificate and the device policy, as the C2's provisioner makes them. */
export function provisioningTemplateBody(devicePolicyName: string): Record<string, unknown> {
  const { tenantId, clientId, clientName, proof } = TEMPLATE_PARAMETERS;
  return {
    Parameters: {
      [tenantId]: { Type: 'String' },
      // One of the two names the client; the hook always answers ClientId (its E4 id, lowercase hex).
      [clientId]: { Type: 'String', Default: '' },
      [clientName]: { Type: 'String', Default: '' },
      [proof]: { Type: 'String' },
      'AWS::IoT::Certificate::Id': { Type: 'String' },
    },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { 'Fn::Join': ['', ['e4c2-', { Ref: tenantId }, '-', { Ref: clientId }]] },
          AttributePayload: {
            [THING_ATTRIBUTE_TENANT]: { Ref: tenantId },
            [THING_ATTRIBUTE_E4ID]: { Ref: clientId },
          },
        },
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' },
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: devicePolicyName } },
    },
  };
}

/** The claim certificate's policy document, its ARNs made by `stack`. */
export function claimPolicyDocument(stack: Stack, templateName: string): Record<string, unknown> {
  const iot = (resource: string, resourceName: string) => stack.formatArn({ service: 'iot', resource, resourceName });
  const topics = ['$aws/certificates/create/*', `$aws/provisioning-templates/${templateName}/provision/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsClaimClient',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: iot('client', `${CLAIM_CLIENT_PREFIX}*`),
      },
      {
        Sid: 'PublishAndReceiveFleetProvisioningTopics',
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        Resource: topics.map((topic) => iot('topic', topic)),
      },
      {
        Sid: 'SubscribeFleetProvisioningTopics',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: topics.map((topic) => iot('topicfilter', topic)),
      },
    ],
  };
}

export class FleetProvisioning extends Construct {
  readonly template: CfnProvisioningTemplate;
  readonly templateName: string;
  readonly claimPolicyName: string;
  readonly provisioningRole: Role;

  constructor(scope: Construct, id: string, props: FleetProvisioningProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { templateName, claimPolicyName, devicePolicyName, hook } = props;
    const iot = (resource: string, resourceName: string) => stack.formatArn({ service: 'iot', resource, resourceName });
    const templateArn = iot('provisioningtemplate', templateName);
    this.templateName = templateName;
    this.claimPolicyName = claimPolicyName;

    new CfnPolicy(this, 'ClaimPolicy', {
      policyName: claimPolicyName,
      policyDocument: claimPolicyDocument(stack, templateName),
    });

    this.provisioningRole = new Role(this, 'ProvisioningRole', {
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': templateArn } },
      }),
      description: `AWS IoT provisions devices with it through the fleet provisioning template ${templateName}`,
    });
    const things = iot('thing', 'e4c2-*');
    const certificates = iot('cert', '*');
    const allow = (sid: string, actions: readonly string[], resources: string[]) =>
      this.provisioningRole.addToPrincipalPolicy(
        new PolicyStatement({ sid, effect: Effect.ALLOW, actions: [...actions], resources }),
      );
    allow('ProvisionDeviceThings', PROVISIONING_THING_ACTIONS, [things]);
    allow('ActivateDeviceCertificates', PROVISIONING_CERTIFICATE_ACTIONS, [certificates]);
    allow('AttachDevicePolicy', PROVISIONING_POLICY_ACTIONS, [iot('policy', devicePolicyName)]);
    acknowledgeWildcard(
      this.provisioningRole,
      things,
      'The template makes one thing per device, named e4c2-<tenant>-<E4 id> at provisioning time: the prefix of the ' +
        "C2's things is the bound.",
    );
    acknowledgeWildcard(
      this.provisioningRole,
      certificates,
      'Each device gets a certificate made at provisioning time (CreateKeysAndCertificate over MQTT): its id is not ' +
        'known in advance.',
    );

    // IoT Core invokes the hook for this template of this account only (confused deputy).
    const permission = new CfnPermission(this, 'InvokeHook', {
      action: 'lambda:InvokeFunction',
      functionName: hook.functionArn,
      principal: 'iot.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: templateArn,
    });
    this.template = new CfnProvisioningTemplate(this, 'Template', {
      templateName,
      description: 'e4c2 fleet provisioning by claim: a device its tenant enrolled, that proves its E4 key',
      enabled: true,
      templateType: 'FLEET_PROVISIONING',
      provisioningRoleArn: this.provisioningRole.roleArn,
      preProvisioningHook: { targetArn: hook.functionArn, payloadVersion: HOOK_PAYLOAD_VERSION },
      templateBody: JSON.stringify(provisioningTemplateBody(devicePolicyName)),
    });
    this.template.addDependency(permission);
    // The role's policy must exist before IoT Core provisions anything with it.
    const policy = this.provisioningRole.node.tryFindChild('DefaultPolicy');
    if (policy) this.template.node.addDependency(policy);
    Validations.of(hook).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by AWS IoT Core (the pre-provisioning hook): a failure is a refused provisioning.',
    });
  }
}
