/**
 * The tenant-scoped deps of the AWS composition (composeAwsC2's `depsFor`, functions/tenantCredentials.ts) against
 * moto with its IAM checks on: the function acts as an IAM user that may assume the TenantAccessRole (with the
 * session tag) and touch E4-id claims, nothing else of DynamoDB and no KMS; the role may use both. So a store or vault
 * call that succeeds went out with the assumed role's credentials, and one with the function's own is refused.
 *
 * What moto 5.2.1 does not enforce (moto/iam/access_control.py, policy_conditions.py), and so what this file cannot
 * show: it checks the action of a DynamoDB or KMS request against `Resource: "*"` only (only SQS and IAM name their
 * resource), evaluates no condition but `StringEquals` on `sts:ExternalId` of AssumeRole (`ForAllValues:*`,
 * `dynamodb:LeadingKeys`, `kms:EncryptionContext:*`, `aws:PrincipalTag/*`, `aws:RequestTag/*` are ignored: such a
 * statement allows), and substitutes no policy variable. A tenant's credentials therefore read another tenant's items
 * on moto; on AWS the TenantAccessRole's conditions refuse them. The proof of those conditions is the template
 * assertions of test/infra/serviceStack.test.ts, and test/contract/tenantPartitions.test.ts checks that every item
 * the adapters write for a tenant is under `T#<tenant>` (what the LeadingKeys condition relies on).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { type AwsC2Deps, composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { RENEW_BEFORE_MS, tenantCredentials } from '../../../functions/tenantCredentials.js';
import { handleWorkBatch } from '../../../functions/worker/handleWorkBatch.js';
import { PRINCIPAL_TENANT } from '../../../infra/constructs/TenantAccessRole.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import { call } from '../../support/apiEvent.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { sqsEventOf } from '../../support/sqsEventOf.js';

const ACCOUNT = '123456789012';
const FUNCTION_USER = 'c2-function';
const ROLE = 'TenantAccessRole';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const WORK_QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:e4c2-work`;

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describeWithMoto('tenant-scoped deps (depsFor) over moto with IAM checks', (moto) => {
  let c2: AwsC2Deps;
  let functionCredentials: { accessKeyId: string; secretAccessKey: string };
  let workQueueUrl: string;

  beforeAll(async () => {
    const clients = clientConfig(moto());
    const kms = new KMSClient(clients);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'e4c2 tenant deps' }));
    kms.destroy();
    const db = new DynamoDBClient(clients);
    await createKeyStoreTable(db, 'e4c2-tenants');
    db.destroy();
    const sqs = new SQSClient(clients);
    workQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work' }))).QueueUrl!;
    sqs.destroy();
    const iam = new IAMClient(clients);
    await iam.send(new CreateUserCommand({ UserName: FUNCTION_USER }));
    // The function's own role as the stack grants it: no table item action but the claims', no data key.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: FUNCTION_USER,
        PolicyName: 'own',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: ROLE_ARN },
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
            Resource: '*',
          },
          // The rest (SQS, the IoT data plane) as the stack grants it; here simply all but DynamoDB and KMS.
          { Effect: 'Allow', NotAction: ['dynamodb:*', 'kms:*'], Resource: '*' },
        ),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: FUNCTION_USER }));
    functionCredentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    await iam.send(
      new CreateRoleCommand({
        RoleName: ROLE,
        AssumeRolePolicyDocument: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/${FUNCTION_USER}` },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        }),
      }),
    );
    // The role's policy as infra/constructs/TenantAccessRole.ts writes it (moto ignores its conditions, see above).
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: 'tenant',
        PolicyDocument: policy(
          {
            Effect: 'Allow',
            Action: 'dynamodb:*',
            Resource: '*',
            Condition: {
              'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`T#${PRINCIPAL_TENANT}`] },
            },
          },
          {
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:tenant': PRINCIPAL_TENANT } },
          },
        ),
      }),
    );
    iam.destroy();
    // From here on, moto checks every request's signature and action.
    const auth = await fetch(`${moto().endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    expect(auth.ok).toBe(true);
    c2 = composeAwsC2(
      awsC2Config({
        tableName: 'e4c2-tenants',
        kmsKeyArn: KeyMetadata!.Arn!,
        iotDataEndpoint: clients.endpoint,
        workQueueUrl,
        tenantRoleArn: ROLE_ARN,
      }),
      { clients: { ...clients, credentials: functionCredentials } },
    );
  });
  afterAll(async () => {
    await fetch(`${moto().endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf' }).catch(() => undefined);
    await c2?.publisher.close();
  });

  it('the credentials of a tenant are a session of the TenantAccessRole, kept until a minute before they expire', async () => {
    // Prepare
    const clients = clientConfig(moto());
    const sts = new STSClient({ ...clients, credentials: functionCredentials });
    let now = Date.now();
    const provider = tenantCredentials(sts, ROLE_ARN, 'tenant-a', () => now);

    // Act
    const first = await provider();
    const again = await provider();
    const asTenant = new STSClient({ ...clients, credentials: provider });
    const { Arn } = await asTenant.send(new GetCallerIdentityCommand({}));
    now = first.expiration.getTime() - RENEW_BEFORE_MS + 1;
    const renewed = await provider();
    sts.destroy();
    asTenant.destroy();

    // Assess
    expect(Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/t.tenant-a`);
    expect(again).toBe(first);
    expect(first.accessKeyId).not.toBe(functionCredentials.accessKeyId);
    expect(first.expiration.getTime() - Date.now()).toBeGreaterThan(800_000);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
  });

  it('a malformed tenant id gets no credentials (INVALID_INPUT), and no STS call', () => {
    const sts = new STSClient({});
    expect(() => tenantCredentials(sts, ROLE_ARN, 'Tenant.A')).toThrow(/tenantId/);
    expect(() => c2.depsFor('')).toThrow(/tenantId/);
    sts.destroy();
  });

  it('depsFor builds one set of data adapters per tenant, and shares the rest', () => {
    // Act
    const a = c2.depsFor('tenant-a');
    const b = c2.depsFor('tenant-b');

    // Assess
    expect(c2.depsFor('tenant-a')).toBe(a);
    for (const port of ['store', 'operations', 'policies', 'vault'] as const) {
      expect(a[port]).not.toBe(b[port]);
      expect(a[port]).not.toBe(c2[port]);
    }
    for (const port of ['queue', 'publisher', 'clock', 'engine'] as const) {
      expect(a[port]).toBe(c2[port]);
      expect(b[port]).toBe(c2[port]);
    }
  });

  it("the function's own credentials reach no tenant item and no data key; a tenant's deps do", async () => {
    // Act
    // moto answers a refused DynamoDB call with IAM's XML error (403), which the JSON protocol's client cannot parse.
    const own = await c2.store
      .listClients('tenant-a', { limit: 10 })
      .catch(
        (error: { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } }) =>
          error.$metadata?.httpStatusCode ?? error.$response?.statusCode ?? String(error),
      );
    const binding = { tenantId: 'tenant-a', kind: 'topic', name: 'vault-check', version: 1 };
    const ownKey = await c2.vault.wrap(new Uint8Array(32), binding).catch((error: { code?: string }) => error.code);
    const scoped = await c2.depsFor('tenant-a').store.listClients('tenant-a', { limit: 10 });
    const scopedKey = await c2.depsFor('tenant-a').vault.wrap(new Uint8Array(32), binding);

    // Assess
    expect(own).toBe(403);
    expect(ownKey).toBe('KEY_UNAVAILABLE');
    expect(scoped.items).toEqual([]);
    expect(scopedKey.length).toBeGreaterThan(32);
  });

  it('the whole API runs on depsFor: API key, client (with its E4-id claim), topic, link, per tenant', async () => {
    // Prepare
    const api = createApiHandler(c2, { depsFor: c2.depsFor });
    const tokenOf = async (tenantId: string) =>
      (await createApiKey(c2.depsFor(tenantId), { tenantId, actor: 'setup' }, { name: 'admin', scope: 'admin' })).token;
    const tokenA = await tokenOf('tenant-a');
    const tokenB = await tokenOf('tenant-b');

    // Act
    const client = await call(api, 'POST', '/v1/clients', {
      token: tokenA,
      body: { name: 'dev-1', generateKey: true },
    });
    const topic = await call(api, 'POST', '/v1/topics', { token: tokenA, body: { topic: 'tenants/a' } });
    const link = await call(api, 'PUT', `/v1/topics/${topic.json.hash}/clients/${client.json.client.id}`, {
      token: tokenA,
    });
    const taken = await call(api, 'POST', '/v1/clients', { token: tokenB, body: { name: 'dev-1', generateKey: true } });
    const listedByB = await call(api, 'GET', '/v1/clients', { token: tokenB });

    // Assess
    expect(client.status).toBe(201);
    expect(topic.status).toBe(201);
    expect(link.status).toBe(200);
    expect(link.json.delivery.sent).toBe(1);
    // The claim of the E4 id (partition N#, the function's own grant) keeps the name to tenant A.
    expect(taken.status).toBe(409);
    expect(listedByB.status).toBe(200);
    expect(listedByB.json.items).toEqual([]);
  });

  it("the worker runs each tenant's messages on its deps: a rotation carried out", async () => {
    // Prepare
    const api = createApiHandler(c2, { depsFor: c2.depsFor });
    const token = (
      await createApiKey(
        c2.depsFor('tenant-w'),
        { tenantId: 'tenant-w', actor: 'setup' },
        { name: 'w', scope: 'admin' },
      )
    ).token;
    const client = await call(api, 'POST', '/v1/clients', { token, body: { name: 'dev-w', generateKey: true } });
    const topic = await call(api, 'POST', '/v1/topics', { token, body: { topic: 'tenants/w' } });
    await call(api, 'PUT', `/v1/topics/${topic.json.hash}/clients/${client.json.client.id}`, { token });
    const sqs = new SQSClient({ ...clientConfig(moto()), credentials: functionCredentials });

    // Act
    const rotated = await call(api, 'POST', `/v1/topics/${topic.json.hash}/rotate`, { token });
    let operation = rotated.json.operation;
    for (let round = 0; round < 20 && operation.finishedAt === undefined; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: workQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const response = await handleWorkBatch(c2, sqsEventOf(Messages, WORK_QUEUE_ARN), {
        remainingMs: () => 60_000,
        logger: {
          warn: (message) => expect.fail(`worker: ${message}`),
          error: (message, attributes) => expect.fail(`worker: ${message} ${String(attributes.error)}`),
        },
        depsFor: c2.depsFor,
      });
      expect(response.batchItemFailures).toEqual([]);
      for (const message of Messages) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: workQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
      operation = (await call(api, 'GET', `/v1/operations/${operation.id}`, { token })).json;
    }
    sqs.destroy();

    // Assess
    expect(rotated.status).toBe(202);
    // The rotation's steps ran on the tenant's deps: new key installed, its delivery planned and tried. (Its IoT
    // Publish, with the function's own credentials, moto answered 403 text/html under its IAM checks here although
    // the same call from the API succeeded above: not investigated; delivery is covered in lambdaFlow.moto.test.ts.)
    expect(operation).toMatchObject({ keyVersion: 2, counts: { total: 1, pending: 0 } });
    expect(operation.finishedAt).toEqual(expect.any(String));
  });
});
