/**
 * The device's side of fleet provisioning by claim (examples/fleetProvisioning.ts, mqtt.js) end to end over a real
 * broker (aedes), the C2's pre-provisioning hook on moto (DynamoDB, KMS, IoT) and the stack's template body. IoT Core's
 * MQTT API of fleet provisioning is not in moto: test/support/fleetProvisioningStandIn.ts plays it (the claim
 * certificate's TLS and policy are IoT Core's, not played). A device the tenant enrolled gets its thing and an
 * active certificate with the device policy, as the C2's own provisioner makes them; asking again is rejected.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeCertificateCommand,
  DescribeThingCommand,
  type IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { provisionByClaim } from '../../../examples/fleetProvisioning.js';
import type { AwsC2Deps } from '../../../functions/composeAwsC2.js';
import { handleProvisioningHook } from '../../../functions/provisioningHook/handleProvisioningHook.js';
import { provisioningTemplateBody } from '../../../infra/constructs/FleetProvisioning.js';
import { thingNameOf } from '../../../shared/adapters/aws/IotDeviceProvisioner.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { randomKey } from '../../../shared/e4/index.js';
import { type RunningBroker, startAedes } from '../../support/brokers.js';
import { callerOf } from '../../support/callerOf.js';
import { fleetC2OnMoto } from '../../support/fleetC2OnMoto.js';
import { type RunningStandIn, startFleetProvisioningStandIn } from '../../support/fleetProvisioningStandIn.js';
import { describeWithMoto } from '../../support/moto.js';

const TABLE = 'e4c2-fleet-example';
const POLICY = 'e4c2-device';
const TEMPLATE = 'e4c2-test-fleet';
const caller = callerOf('tenant-factory', 'operator');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describeWithMoto('fleet provisioning by claim, the device example over MQTT (aedes + moto)', (moto) => {
  let deps: AwsC2Deps;
  let iot: IoTClient;
  let db: DynamoDBClient;
  let broker: RunningBroker;
  let standIn: RunningStandIn;

  beforeAll(async () => {
    const fixture = await fleetC2OnMoto(moto(), TABLE, POLICY);
    ({ deps, db, iot } = fixture);
    broker = await startAedes();
    standIn = await startFleetProvisioningStandIn({
      brokerUrl: broker.url,
      iot,
      templateName: TEMPLATE,
      templateBody: provisioningTemplateBody(POLICY),
      hook: (event) => handleProvisioningHook(deps, event, quiet),
    });
  });
  afterAll(async () => {
    await standIn?.close();
    await broker?.close();
    await deps?.publisher.close();
    iot?.destroy();
    db?.destroy();
  });

  it("provisions an enrolled device as the C2's provisioner would; a second request is rejected", async () => {
    // Prepare: the tenant enrols the device; the factory gave it its E4 state (id and key)
    const key = randomKey();
    const made = await createClient(deps, caller, { name: 'meter-7', mode: 'symmetric', key });
    const state = { id: Buffer.from(made.client.id, 'hex'), identity: { mode: 'symmetric', key } as const };

    // Act
    const device = await provisionByClaim({
      url: broker.url,
      templateName: TEMPLATE,
      tenantId: caller.tenantId,
      state,
    });

    // Assess: the thing of the C2's naming, with its attributes; the certificate active, the device policy on it
    const thingName = thingNameOf(caller.tenantId, made.client.id);
    expect(device.thingName).toBe(thingName);
    const thing = await iot.send(new DescribeThingCommand({ thingName }));
    expect(thing.attributes).toEqual({ tenant: caller.tenantId, e4id: made.client.id });
    const certificate = await iot.send(new DescribeCertificateCommand({ certificateId: device.certificateId }));
    expect(certificate.certificateDescription?.status).toBe('ACTIVE');
    const arn = certificate.certificateDescription!.certificateArn!;
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName }))).principals).toEqual([arn]);
    const policies = await iot.send(new ListAttachedPoliciesCommand({ target: arn }));
    expect(policies.policies?.map((policy) => policy.policyName)).toEqual([POLICY]);
    expect(new X509Certificate(device.certificatePem).checkPrivateKey(createPrivateKey(device.privateKey))).toBe(true);

    // Act: the same device again (its thing exists), and a device whose key is not the enrolled one (enrolled before
    // either request starts: a request refused while the test still awaited something else was an unhandled rejection)
    const other = await createClient(deps, caller, { name: 'meter-8', mode: 'symmetric', key: randomKey() });
    const again = provisionByClaim({ url: broker.url, templateName: TEMPLATE, tenantId: caller.tenantId, state });
    const impostor = provisionByClaim({
      url: broker.url,
      templateName: TEMPLATE,
      tenantId: caller.tenantId,
      state: { id: Buffer.from(other.client.id, 'hex'), identity: { mode: 'symmetric', key: randomKey() } },
    });

    // Assess
    // (both awaited at once: one refused while the other is awaited would have no handler yet)
    await Promise.all([expect(again).rejects.toThrow(/rejected/), expect(impostor).rejects.toThrow(/rejected/)]);
    await expect(
      iot.send(new DescribeThingCommand({ thingName: thingNameOf(caller.tenantId, other.client.id) })),
    ).rejects.toThrow();
  });
});
