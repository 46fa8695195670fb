/**
 * A stand-in for what moto lacks: IoT Core's MQTT API of fleet provisioning, played by an MQTT client on a real broker
 * (aedes) over moto's IoT control plane. `$aws/certificates/create/json` makes a key pair and certificate in moto
 * (CreateKeysAndCertificate, inactive) and answers it with an ownership token; `$aws/provisioning-templates/<name>/
 * provision/json` calls the pre-provisioning hook with the event IoT Core sends, then does what the stack's template
 * body says (infra/constructs/FleetProvisioning.ts, evaluated with the parameters and the hook's overrides): the
 * thing, the certificate activated, attached to the thing and the policy. Answers go to `.../accepted` or
 * `.../rejected` as IoT Core's do (payload shapes of the AWS documentation). Only for tests of the device's side.
 */
import { randomBytes } from 'node:crypto';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  type IoTClient,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import mqtt from 'mqtt';
import type { PreProvisioningHookAnswer } from '../../shared/c2/provisioning/allowFleetProvisioning.js';

// biome-ignore lint/suspicious/noExplicitAny: a provisioning template is loosely typed JSON
type Json = any;

/** A template value with these parameters (Ref and Fn::Join, the functions the C2's template uses). */
export function evaluateTemplate(node: Json, parameters: Readonly<Record<string, string>>): Json {
  if (typeof node === 'string') return node;
  if (node.Ref !== undefined) return parameters[node.Ref];
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, Json[]];
    return items.map((item) => evaluateTemplate(item, parameters)).join(delimiter);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, evaluateTemplate(value, parameters)]));
}

export interface StandInOptions {
  readonly brokerUrl: string;
  readonly iot: IoTClient;
  readonly templateName: string;
  readonly templateBody: Json;
  readonly hook: (event: object) => Promise<PreProvisioningHookAnswer>;
}

export interface RunningStandIn {
  close(): Promise<void>;
}

export async function startFleetProvisioningStandIn(options: StandInOptions): Promise<RunningStandIn> {
  const { iot, templateName, templateBody } = options;
  const createTopic = '$aws/certificates/create/json';
  const provisionTopic = `$aws/provisioning-templates/${templateName}/provision/json`;
  const tokens = new Map<string, { certificateId: string; certificateArn: string; certificatePem: string }>();
  const client = await mqtt.connectAsync(options.brokerUrl, { clientId: 'iot-core-stand-in', reconnectPeriod: 0 });
  const answer = (topic: string, outcome: 'accepted' | 'rejected', body: object) =>
    client.publishAsync(`${topic}/${outcome}`, JSON.stringify(body), { qos: 1 });
  const rejected = (topic: string, errorMessage: string) =>
    answer(topic, 'rejected', { statusCode: 403, errorCode: 'AccessDenied', errorMessage });

  async function create(): Promise<void> {
    const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
    const certificateOwnershipToken = randomBytes(32).toString('base64');
    tokens.set(certificateOwnershipToken, {
      certificateId: made.certificateId!,
      certificateArn: made.certificateArn!,
      certificatePem: made.certificatePem!,
    });
    await answer(createTopic, 'accepted', {
      certificateId: made.certificateId,
      certificatePem: made.certificatePem,
      privateKey: made.keyPair!.PrivateKey,
      certificateOwnershipToken,
    });
  }

  async function provision(request: Json): Promise<void> {
    const certificate = tokens.get(request?.certificateOwnershipToken);
    if (!certificate) {
      await rejected(provisionTopic, 'Invalid certificate ownership token');
      return;
    }
    const parameters = { ...(request.parameters ?? {}) } as Record<string, string>;
    const decision = await options.hook({
      claimCertificateId: 'c'.repeat(64),
      certificateId: certificate.certificateId,
      certificatePem: certificate.certificatePem,
      templateArn: `arn:aws:iot:us-east-1:123456789012:provisioningtemplate/${templateName}`,
      clientId: 'e4c2_claim-stand-in',
      parameters,
    });
    if (decision.allowProvisioning !== true) {
      await rejected(provisionTopic, 'Pre-provisioning hook refused');
      return;
    }
    const resources = evaluateTemplate(templateBody.Resources, {
      ...parameters,
      ...decision.parameterOverrides,
      'AWS::IoT::Certificate::Id': certificate.certificateId,
    });
    const { ThingName: thingName, AttributePayload: attributes } = resources.thing.Properties;
    await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
    await iot.send(
      new UpdateCertificateCommand({
        certificateId: resources.certificate.Properties.CertificateId,
        newStatus: 'ACTIVE',
      }),
    );
    await iot.send(new AttachThingPrincipalCommand({ thingName, principal: certificate.certificateArn }));
    await iot.send(
      new AttachPolicyCommand({
        policyName: resources.policy.Properties.PolicyName,
        target: certificate.certificateArn,
      }),
    );
    await answer(provisionTopic, 'accepted', { deviceConfiguration: {}, thingName });
  }

  // Requests being answered: close() waits for them (an answer published while the connection ends would fail).
  const inFlight = new Set<Promise<unknown>>();
  client.on('message', (topic, payload) => {
    const handled = (async () => {
      if (topic === createTopic) await create();
      else if (topic === provisionTopic) await provision(JSON.parse(payload.toString('utf8')));
    })().catch((error: unknown) => rejected(topic, String(error)));
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });
  await client.subscribeAsync([createTopic, provisionTopic], { qos: 1 });
  return {
    close: async () => {
      await Promise.allSettled(inFlight);
      await client.endAsync();
    },
  };
}
