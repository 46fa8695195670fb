/**
 * IotDeviceProvisioner against moto's IoT control plane (things, real X.509 certificates and keys, policies).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  CreatePolicyCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { IotDeviceProvisioner, thingNameOf } from '../../../shared/adapters/aws/IotDeviceProvisioner.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { bytesToHex, hashIdAlias } from '../../../shared/e4/index.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

const POLICY = 'e4c2-device';
const device = (name: string) => ({ name, idHex: bytesToHex(hashIdAlias(name)) });

const clients: IoTClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

describeWithMoto('IotDeviceProvisioner over moto', (moto) => {
  let iot: IoTClient;
  let provisioner: IotDeviceProvisioner;

  beforeEach(async () => {
    await moto().reset();
    iot = new IoTClient(clientConfig(moto()));
    clients.push(iot);
    await iot.send(
      new CreatePolicyCommand({
        policyName: POLICY,
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
        }),
      }),
    );
    provisioner = new IotDeviceProvisioner(iot, { policyName: POLICY, settleDelayMs: 10 });
  });

  const thingNames = async () => ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName);
  const certificateIds = async () =>
    ((await iot.send(new ListCertificatesCommand({}))).certificates ?? []).map((c) => c.certificateId);

  it('makes the thing (tenant and client id attributes) and an active certificate attached to it and the policy', async () => {
    // Prepare
    const sensor = device('sensor-1');

    // Act
    const credentials = await provisioner.provision('tenant-a', sensor);

    // Assess
    expect(credentials.thingName).toBe(`e4c2-tenant-a-${sensor.idHex}`);
    const thing = await iot.send(new DescribeThingCommand({ thingName: credentials.thingName }));
    expect(thing.attributes).toEqual({ tenant: 'tenant-a', e4id: sensor.idHex });
    const { principals } = await iot.send(new ListThingPrincipalsCommand({ thingName: credentials.thingName }));
    expect(principals).toEqual([credentials.certificateArn]);
    const { certificateDescription } = await iot.send(
      new DescribeCertificateCommand({ certificateId: credentials.certificateId }),
    );
    expect(certificateDescription?.status).toBe('ACTIVE');
    expect(certificateDescription?.certificateArn).toBe(credentials.certificateArn);
    const { policies } = await iot.send(new ListAttachedPoliciesCommand({ target: credentials.certificateArn }));
    expect(policies?.map((p) => p.policyName)).toEqual([POLICY]);
  });

  it('returns PEMs: an X.509 certificate and the private key of its public key', async () => {
    // Act
    const { certificatePem, privateKey } = await provisioner.provision('tenant-a', device('sensor-1'));

    // Assess
    expect(certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/);
    expect(privateKey).toMatch(
      /^-----BEGIN (RSA )?PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END (RSA )?PRIVATE KEY-----\n?$/,
    );
    expect(new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKey))).toBe(true);
  });

  it('refuses a device whose thing exists already (ALREADY_EXISTS), leaving it as it was', async () => {
    // Prepare
    const first = await provisioner.provision('tenant-a', device('sensor-1'));

    // Act
    const code = await codeOfAsync(() => provisioner.provision('tenant-a', device('sensor-1')));

    // Assess
    expect(code).toBe(C2ErrorCode.AlreadyExists);
    expect(await certificateIds()).toEqual([first.certificateId]);
  });

  it("refuses a second device of the same E4 id in another tenant: it could read the first one's control topic", async () => {
    // Prepare: the same client name (so the same E4 id) in two tenants
    const first = await provisioner.provision('tenant-a', device('gateway'));

    // Act
    const code = await codeOfAsync(() => provisioner.provision('tenant-b', device('gateway')));

    // Assess
    expect(code).toBe(C2ErrorCode.AlreadyExists);
    expect(await thingNames()).toEqual([first.thingName]);
    expect(await certificateIds()).toEqual([first.certificateId]);
  });

  it('answers whether a device is provisioned: its thing, or a thing of its E4 id in another tenant', async () => {
    // Prepare
    const sensor = device('sensor-1');
    const before = await provisioner.isProvisioned('tenant-a', sensor);

    // Act
    await provisioner.provision('tenant-a', sensor);

    // Assess
    expect(before).toBe(false);
    expect(await provisioner.isProvisioned('tenant-a', sensor)).toBe(true);
    expect(await provisioner.isProvisioned('tenant-b', sensor)).toBe(true);
    expect(await provisioner.isProvisioned('tenant-a', device('sensor-2'))).toBe(false);
    await provisioner.deprovision('tenant-a', sensor);
    expect(await provisioner.isProvisioned('tenant-a', sensor)).toBe(false);
  });

  it('deprovisions: the certificate is detached, deactivated and deleted, then the thing', async () => {
    // Prepare
    const sensor = device('sensor-1');
    const other = await provisioner.provision('tenant-a', device('sensor-2'));
    const credentials = await provisioner.provision('tenant-a', sensor);

    // Act
    await provisioner.deprovision('tenant-a', sensor);

    // Assess
    expect(await codeOfAsync(() => iot.send(new DescribeThingCommand({ thingName: credentials.thingName })))).toBe(
      'ResourceNotFoundException',
    );
    expect(
      await codeOfAsync(() => iot.send(new DescribeCertificateCommand({ certificateId: credentials.certificateId }))),
    ).toBe('ResourceNotFoundException');
    expect(await thingNames()).toEqual([other.thingName]);
    expect(await certificateIds()).toEqual([other.certificateId]);
  });

  it('deprovisions idempotently: again, and for a device never provisioned, it does nothing', async () => {
    // Prepare
    const sensor = device('sensor-1');
    await provisioner.provision('tenant-a', sensor);
    await provisioner.deprovision('tenant-a', sensor);

    // Act / Assess
    await provisioner.deprovision('tenant-a', sensor);
    await provisioner.deprovision('tenant-b', device('never-provisioned'));
    expect(await thingNames()).toEqual([]);
    expect(await certificateIds()).toEqual([]);
  });

  it('can provision a device again once deprovisioned, with a new certificate', async () => {
    // Prepare
    const sensor = device('sensor-1');
    const first = await provisioner.provision('tenant-a', sensor);
    await provisioner.deprovision('tenant-a', sensor);

    // Act
    const second = await provisioner.provision('tenant-a', sensor);

    // Assess
    expect(second.thingName).toBe(first.thingName);
    expect(second.certificateId).not.toBe(first.certificateId);
    expect(await certificateIds()).toEqual([second.certificateId]);
  });

  it('undoes what it made when a step fails (here: the policy does not exist), and throws', async () => {
    // Prepare: a real failure of AttachPolicy in moto
    const misconfigured = new IotDeviceProvisioner(iot, { policyName: 'no-such-policy' });

    // Act
    const failure = await misconfigured.provision('tenant-a', device('sensor-1')).catch((error: Error) => error);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/failed at AttachPolicy; what was made is undone/);
    expect(((failure as Error).cause as Error).name).toBe('ResourceNotFoundException');
    expect(await thingNames()).toEqual([]);
    expect(await certificateIds()).toEqual([]);
  });

  it('names things e4c2-<tenant>-<id hex> and refuses ids and tenants that make no valid thing name', async () => {
    expect(thingNameOf('tenant-a', '00'.repeat(16))).toBe(`e4c2-tenant-a-${'00'.repeat(16)}`);
    for (const [tenantId, idHex] of [
      ['tenant-a', 'AB'.repeat(16)],
      ['tenant-a', 'ab'.repeat(15)],
      ['tenant-a', '../thing'],
      ['tenant a', '00'.repeat(16)],
      ['tenant/a', '00'.repeat(16)],
      ['', '00'.repeat(16)],
      ['t'.repeat(91), '00'.repeat(16)],
    ] as const) {
      expect(await codeOfAsync(() => provisioner.provision(tenantId, { name: 'x', idHex }))).toBe(
        C2ErrorCode.InvalidInput,
      );
      expect(await codeOfAsync(() => provisioner.deprovision(tenantId, { idHex }))).toBe(C2ErrorCode.InvalidInput);
    }
    expect(thingNameOf('t'.repeat(90), '00'.repeat(16))).toHaveLength(128);
    expect(await thingNames()).toEqual([]);
  });
});
