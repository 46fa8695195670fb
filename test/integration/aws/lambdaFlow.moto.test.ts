/**
 * The Lambda handlers of the AWS deployment, composed as in Lambda (composeAwsC2: DynamoDB, KMS, IoT data plane)
 * but with every SDK client pointed at moto, invoked with API Gateway HTTP API (payload 2.0) events: one full flow
 * per crypto mode (create client, topic, link, rotate), and a scheduled rotation. moto accepts IoT Publish without
 * delivering it, so "delivered" here means IoT Core took the command; delivery to devices is covered over real
 * brokers in test/e2e.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatePolicyCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import type { AwsC2Config } from '../../../functions/awsConfig.js';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { handleScheduledRotation } from '../../../functions/rotation/handleScheduledRotation.js';
import { IotDeviceProvisioner } from '../../../shared/adapters/aws/IotDeviceProvisioner.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { randomEd25519KeyPair, toBase64 } from '../../../shared/e4/index.js';
import { call } from '../../support/apiEvent.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

describeWithMoto('Lambda handlers over moto-backed adapters', (moto) => {
  let deps: C2Deps;
  let token: string;
  const tenantId = 'tenant-aws';
  let api: ReturnType<typeof createApiHandler>;

  beforeAll(async () => {
    const clients = clientConfig(moto());
    const kms = new KMSClient(clients);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'e4c2 test' }));
    kms.destroy();
    const iot = new IoTClient(clients);
    const policyDocument = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
    });
    await iot.send(new CreatePolicyCommand({ policyName: 'e4c2-test-device', policyDocument }));
    iot.destroy();
    const db = new DynamoDBClient(clients);
    await createKeyStoreTable(db, 'e4c2-lambda');
    db.destroy();
    const sqs = new SQSClient(clients);
    const { QueueUrl: workQueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work' }));
    sqs.destroy();
    const config: AwsC2Config = {
      region: 'us-east-1',
      tableName: 'e4c2-lambda',
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      workQueueUrl: workQueueUrl!,
      devicePolicyName: 'e4c2-test-device',
      scheduleGroup: undefined,
      schedulerRoleArn: undefined,
      rotationFunctionArn: undefined,
    };
    deps = composeAwsC2(config, {
      clients,
      provisioner: (settings) => new IotDeviceProvisioner(new IoTClient(settings), { policyName: 'e4c2-test-device' }),
    });
    token = (await createApiKey(deps, { tenantId, actor: 'setup' }, { name: 'admin' })).token;
    api = createApiHandler(deps);
  });
  afterAll(async () => {
    await deps?.publisher.close();
  });

  const send = (method: string, path: string, body?: unknown) =>
    call(api, method, path, { token, ...(body === undefined ? {} : { body }) });

  it.each(['symmetric', 'pubkey'] as const)('%s mode: create clients and a topic, link, rotate', async (mode) => {
    // Prepare: two clients of the mode
    const ids: string[] = [];
    for (const name of [`${mode}-a`, `${mode}-b`]) {
      const body =
        mode === 'symmetric'
          ? { name, generateKey: true }
          : { name, mode, publicKey: toBase64(randomEd25519KeyPair().publicKey) };
      const created = await send('POST', '/v1/clients', body);
      expect(created.status).toBe(201);
      ids.push(created.json.client.id);
    }
    const topic = await send('POST', '/v1/topics', { topic: `aws/${mode}` });
    expect(topic.status).toBe(201);

    // Act
    const links = [];
    for (const id of ids) links.push(await send('PUT', `/v1/topics/${topic.json.hash}/clients/${id}`));
    const rotated = await send('POST', `/v1/topics/${topic.json.hash}/rotate`);

    // Assess
    expect(links.map((l) => l.status)).toEqual([200, 200]);
    // public-key mode: the second link also swaps the two clients' public keys (3 commands)
    expect(links.map((l) => l.json.delivery.sent)).toEqual(mode === 'pubkey' ? [1, 3] : [1, 1]);
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ topic: { keyVersion: 2 }, delivery: { sent: 2, delivered: 2, failed: [] } });
    const clients = await send('GET', `/v1/topics/${topic.json.hash}/clients`);
    expect(clients.json.items.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());
    if (mode === 'pubkey') expect((await send('GET', '/v1/keys/c2')).json.keyVersion).toBe(1);
  });

  it('a client created with provisionDevice gets its IoT thing and certificate (once); deleting it removes them', async () => {
    // Act
    const created = await send('POST', '/v1/clients', {
      name: 'provisioned',
      generateKey: true,
      provisionDevice: true,
    });
    const thingName = `e4c2-${tenantId}-${created.json.client.id}`;
    const iot = new IoTClient(clientConfig(moto()));
    const thing = await iot.send(new DescribeThingCommand({ thingName }));
    const deleted = await send('DELETE', `/v1/clients/${created.json.client.id}`);
    const after = await iot.send(new DescribeThingCommand({ thingName })).catch((error: Error) => error.name);
    iot.destroy();

    // Assess
    expect(created.status).toBe(201);
    expect(created.json.device).toMatchObject({
      thingName,
      certificatePem: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/),
    });
    expect(created.json.device.privateKey).toMatch(/-----BEGIN RSA PRIVATE KEY-----|-----BEGIN PRIVATE KEY-----/);
    expect(thing.attributes).toEqual({ tenant: tenantId, e4id: created.json.client.id });
    expect(deleted.status).toBe(200);
    expect(after).toBe('ResourceNotFoundException');
  });

  it('the same name in another tenant cannot be provisioned too (409); that tenant is left without the client', async () => {
    // Prepare
    const other = (await createApiKey(deps, { tenantId: 'tenant-other', actor: 'setup' }, { name: 'admin' })).token;
    const first = await send('POST', '/v1/clients', { name: 'gateway', generateKey: true, provisionDevice: true });

    // Act
    const second = await call(api, 'POST', '/v1/clients', {
      token: other,
      body: { name: 'gateway', generateKey: true, provisionDevice: true },
    });

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe('ALREADY_EXISTS');
    expect(second.raw).not.toContain('tenant-aws');
    expect(await deps.store.getClient('tenant-other', 'gateway')).toBeUndefined();
  });

  it('a scheduled rotation through the rotation handler', async () => {
    const outcome = await handleScheduledRotation(deps, {
      tenantId,
      action: 'rotate-topic',
      topic: 'aws/symmetric',
      schedule: 'test',
    });
    expect(outcome).toEqual({ status: 'rotated', keyVersion: 3, delivered: 2, failed: 0 });
  });

  it('keys at rest are KMS-enveloped: a stored key does not open for another tenant', async () => {
    const record = (await deps.store.getTopic(tenantId, 'aws/symmetric'))!;
    const binding = { tenantId: 'someone-else', kind: 'topic', name: 'aws/symmetric', version: record.keyVersion };
    await expect(deps.vault.unwrap(record.wrappedKey, binding)).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE' });
  });
});
