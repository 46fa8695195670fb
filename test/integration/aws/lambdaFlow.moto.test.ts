/**
 * The Lambda handlers of the AWS deployment, composed as in Lambda (composeAwsC2: DynamoDB, KMS, IoT data plane)
 * but with every SDK client pointed at moto, invoked with API Gateway HTTP API (payload 2.0) events: one full flow
 * per crypto mode (create client, topic, link, rotate), and a scheduled rotation. A rotation is an operation: the API
 * function records it, enqueues it on the work queue (moto's SQS) and answers 202; nothing in moto invokes a function
 * from a queue, so `work()` plays Lambda's event source mapping for the worker function (handleWorkBatch) until the
 * operation has finished, read through the API. moto accepts IoT Publish without delivering it, so "sent" here means
 * IoT Core took the command; delivery to devices is covered over real brokers in test/e2e.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatePolicyCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { handleWorkBatch } from '../../../functions/worker/handleWorkBatch.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import type { OperationView } from '../../../shared/c2/operations/OperationView.js';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import { PLATFORM_TENANT } from '../../../shared/c2/platform/platformKeyToken.js';
import { handleScheduledRun } from '../../../shared/c2/policies/handleScheduledRun.js';
import { randomEd25519KeyPair, toBase64 } from '../../../shared/e4/index.js';
import { call } from '../../support/apiEvent.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { sqsEventOf } from '../../support/sqsEventOf.js';

describeWithMoto('Lambda handlers over moto-backed adapters', (moto) => {
  let deps: C2Deps;
  let token: string;
  const tenantId = 'tenant-aws';
  let api: ReturnType<typeof createApiHandler>;
  let sqs: SQSClient;
  let workQueueUrl: string;
  let workQueueArn: string;

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
    sqs = new SQSClient(clients);
    workQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work' }))).QueueUrl!;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: workQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    workQueueArn = Attributes!.QueueArn!;
    const config = awsC2Config({
      tableName: 'e4c2-lambda',
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      workQueueUrl,
      devicePolicyName: 'e4c2-test-device',
    });
    // As every function composes it: the device provisioner comes from the configuration (its device policy).
    deps = composeAwsC2(config, { clients });
    token = (await createApiKey(deps, { tenantId, actor: 'setup' }, { name: 'admin', scope: 'admin' })).token;
    api = createApiHandler(deps);
  });
  afterAll(async () => {
    await deps?.publisher.close();
    sqs?.destroy();
  });

  const send = (method: string, path: string, body?: unknown) =>
    call(api, method, path, { token, ...(body === undefined ? {} : { body }) });

  /**
   * The worker function fed by the work queue until the operation has finished (read through the API): receive a
   * batch, hand it to handleWorkBatch, delete the records it did not report (Lambda's event source mapping).
   */
  async function work(
    operationId: string,
    timeoutMs = 30_000,
    read: () => Promise<{ status: string; finishedAt?: string }> = async () => {
      const operation = await send('GET', `/v1/operations/${operationId}`);
      expect(operation.status).toBe(200);
      return operation.json;
    },
  ): Promise<OperationView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const operation = await read();
      if (operation.finishedAt !== undefined) return operation as OperationView;
      if (Date.now() > deadline) throw new Error(`operation ${operationId} still ${operation.status}`);
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: workQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const response = await handleWorkBatch(deps, sqsEventOf(Messages, workQueueArn), {
        remainingMs: () => 60_000,
        marginMs: 5_000,
        logger: {
          warn: (message, attributes) => expect.fail(`worker: ${message} ${JSON.stringify(attributes)}`),
          error: (message, attributes) => expect.fail(`worker: ${message} ${String(attributes.error)}`),
        },
      });
      expect(response.batchItemFailures).toEqual([]);
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: workQueueUrl,
            Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
          }),
        );
      }
    }
  }

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
    // The API function recorded the operation and enqueued it, then answered: nothing sent yet.
    expect(rotated.status).toBe(202);
    expect(rotated.json).toMatchObject({
      topic: { keyVersion: 1 },
      operation: { kind: 'topic.rotate', status: 'pending', counts: { total: 0 } },
    });
    expect((await send('GET', `/v1/topics/${topic.json.hash}`)).json.keyVersion).toBe(1);
    const done = await work(rotated.json.operation.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      keyVersion: 2,
      counts: { total: 2, pending: 0, sent: 2, confirmed: 0, failed: 0 },
    });
    expect((await send('GET', `/v1/topics/${topic.json.hash}`)).json.keyVersion).toBe(2);
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
    const done = await work(deleted.json.operation.id); // the deletion is an operation: the worker deprovisions
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
    expect(deleted.status).toBe(202);
    expect(done).toMatchObject({ kind: 'client.delete', status: 'succeeded' });
    expect(after).toBe('ResourceNotFoundException');
  });

  it("deleting a tenant deprovisions its clients' things and certificates, frees their names, removes its records", async () => {
    // Prepare: a tenant made by the platform operator, with a provisioned device
    const platform = (await createPlatformKey(deps, 'setup', 'platform')).token;
    const made = await call(api, 'POST', '/v1/tenants', { token: platform, body: { id: 'aws-doomed' } });
    expect(made.status, made.raw).toBe(201);
    const doomed = made.json.adminKey.token as string;
    const created = await call(api, 'POST', '/v1/clients', {
      token: doomed,
      body: { name: 'doomed-gateway', generateKey: true, provisionDevice: true },
    });
    expect(created.status, created.raw).toBe(201);
    const thingName = `e4c2-aws-doomed-${created.json.client.id}`;
    const iot = new IoTClient(clientConfig(moto()));
    await iot.send(new DescribeThingCommand({ thingName }));

    // Act
    const deleted = await call(api, 'DELETE', '/v1/tenants/aws-doomed', { token: platform });
    expect(deleted.status, deleted.raw).toBe(202);
    const done = await work(deleted.json.operation.id, 30_000, async () => {
      const operation = await deps.operations.getOperation(PLATFORM_TENANT, deleted.json.operation.id);
      return { status: operation!.status, ...(operation!.finishedAt ? { finishedAt: operation!.finishedAt } : {}) };
    });
    const after = await iot.send(new DescribeThingCommand({ thingName })).catch((error: Error) => error.name);
    iot.destroy();

    // Assess
    expect(done.status).toBe('succeeded');
    expect(after).toBe('ResourceNotFoundException');
    expect(await deps.store.getTenant('aws-doomed')).toMatchObject({ status: 'deleted' });
    expect(await deps.store.deleteTenantItems('aws-doomed', 100)).toBe(0);
    expect((await call(api, 'GET', '/v1/stats', { token: doomed })).status).toBe(401);
    // Its device's name is free for another tenant (here with a thing of its own).
    const again = await send('POST', '/v1/clients', {
      name: 'doomed-gateway',
      generateKey: true,
      provisionDevice: true,
    });
    expect(again.status, again.raw).toBe(201);
  });

  it('the same name in another tenant cannot be provisioned too (409); that tenant is left without the client', async () => {
    // Prepare
    const other = (
      await createApiKey(deps, { tenantId: 'tenant-other', actor: 'setup' }, { name: 'admin', scope: 'admin' })
    ).token;
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

  it("a policy's scheduled run through the rotation handler: an operation, carried out by the worker", async () => {
    // Prepare
    const policy = await send('POST', '/v1/policies', {
      name: 'nightly',
      target: { topic: 'aws/symmetric' },
      action: 'rotate-topic-key',
      schedule: { expression: 'cron(0 3 * * ? *)' },
      enabled: true,
    });
    expect(policy.status).toBe(201);

    // Act
    const outcome = await handleScheduledRun(deps, {
      tenantId,
      policyId: policy.json.id,
      scheduledTime: '2027-01-04T03:00:00Z',
    });

    // Assess
    if (outcome.status !== 'ran') throw new Error(JSON.stringify(outcome));
    expect(outcome).toMatchObject({ outcome: 'started', operationIds: [expect.any(String)] });
    const done = await work(outcome.operationIds[0]!);
    expect(done).toMatchObject({
      kind: 'topic.rotate',
      target: { type: 'topic', name: 'aws/symmetric' },
      actor: 'scheduler',
      status: 'succeeded',
      keyVersion: 3,
      counts: { total: 2, pending: 0, sent: 2, confirmed: 0, failed: 0 },
    });
    expect((await deps.store.getTopic(tenantId, 'aws/symmetric'))?.keyVersion).toBe(3);
  });

  it('keys at rest are KMS-enveloped: a stored key does not open for another tenant', async () => {
    const record = (await deps.store.getTopic(tenantId, 'aws/symmetric'))!;
    const binding = { tenantId: 'someone-else', kind: 'topic', name: 'aws/symmetric', version: record.keyVersion };
    await expect(deps.vault.unwrap(record.wrappedKey, binding)).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE' });
  });
});
