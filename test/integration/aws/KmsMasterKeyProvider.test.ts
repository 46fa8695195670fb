/**
 * KmsMasterKeyProvider against moto's KMS (which enforces the encryption context): the MasterKeyProvider contract,
 * tenant isolation, the context it sends, the vault of the C2 over it, and KMS failures as KEY_UNAVAILABLE.
 */
import { createServer } from 'node:net';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, expect, it } from 'vitest';
import { KmsMasterKeyProvider } from '../../../shared/adapters/aws/KmsMasterKeyProvider.js';
import { C2Error, C2ErrorCode } from '../../../shared/c2/errors.js';
import type { KeyBinding } from '../../../shared/c2/ports.js';
import { EnvelopeKeyVault } from '../../../shared/c2/vault/EnvelopeKeyVault.js';
import { bytesToHex, randomKey } from '../../../shared/e4/index.js';
import { masterKeyProviderContract } from '../../contract/masterKeyProvider.contract.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

const clients: KMSClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

async function rejection(run: () => Promise<unknown>): Promise<C2Error> {
  try {
    await run();
  } catch (error) {
    if (error instanceof C2Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describeWithMoto('KmsMasterKeyProvider over moto', (moto) => {
  function kms(config: Partial<ConstructorParameters<typeof KMSClient>[0]> = {}): KMSClient {
    const client = new KMSClient({ ...clientConfig(moto()), ...config });
    clients.push(client);
    return client;
  }

  /** A new KMS key (symmetric, the default) and a provider over it. */
  async function newKey(): Promise<{ client: KMSClient; keyId: string; arn: string; provider: KmsMasterKeyProvider }> {
    const client = kms();
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: 'e4c2 test master key' }));
    const keyId = KeyMetadata!.KeyId!;
    return { client, keyId, arn: KeyMetadata!.Arn!, provider: new KmsMasterKeyProvider(client, keyId) };
  }

  masterKeyProviderContract('KmsMasterKeyProvider over moto KMS', async () => (await newKey()).provider);

  it("does not open a tenant's data key for another tenant, nor under another KMS key, and says nothing of KMS", async () => {
    // Prepare
    const { provider } = await newKey();
    const other = await newKey();
    const { plaintext, wrapped } = await provider.generateDataKey('tenant-a');

    // Act
    const forAnotherTenant = await rejection(() => provider.decryptDataKey('tenant-b', wrapped));
    const underAnotherKey = await rejection(() => other.provider.decryptDataKey('tenant-a', wrapped));

    // Assess
    for (const error of [forAnotherTenant, underAnotherKey]) {
      expect(error.code).toBe(C2ErrorCode.KeyUnavailable);
      expect(error.message).toBe('the data key does not open for this tenant');
      expect(error.cause).toBeDefined();
    }
    expect(bytesToHex(await provider.decryptDataKey('tenant-a', wrapped))).toBe(bytesToHex(plaintext));
  });

  it("binds each data key with the encryption context { tenant, purpose: 'e4c2-data-key' }", async () => {
    // Prepare
    const { client, keyId, provider } = await newKey();
    const { plaintext, wrapped } = await provider.generateDataKey('tenant-a');

    // Act: KMS itself, with and without that context
    const opened = await client.send(
      new DecryptCommand({
        KeyId: keyId,
        CiphertextBlob: wrapped,
        EncryptionContext: { tenant: 'tenant-a', purpose: 'e4c2-data-key' },
      }),
    );
    const withoutContext = await codeOfAsync(() =>
      client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped })),
    );

    // Assess
    expect(bytesToHex(opened.Plaintext!)).toBe(bytesToHex(plaintext));
    expect(withoutContext).toBe('InvalidCiphertextException');
  });

  it('works with the key named by its ARN or an alias', async () => {
    // Prepare
    const { client, keyId, arn } = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/e4c2-test', TargetKeyId: keyId }));

    for (const name of [arn, 'alias/e4c2-test']) {
      // Act
      const provider = new KmsMasterKeyProvider(client, name);
      const { plaintext, wrapped } = await provider.generateDataKey('tenant-a');

      // Assess
      expect(bytesToHex(await provider.decryptDataKey('tenant-a', wrapped))).toBe(bytesToHex(plaintext));
    }
  });

  it('carries EnvelopeKeyVault: keys wrapped under KMS data keys unwrap in another vault, for their tenant only', async () => {
    // Prepare
    const { provider } = await newKey();
    const binding: KeyBinding = { tenantId: 'tenant-a', kind: 'topic', name: 'sensors/temp', version: 1 };
    const key = randomKey();

    // Act: a second vault has no cached data key, so it opens the wrapped data key through KMS Decrypt
    const wrapped = await new EnvelopeKeyVault(provider).wrap(key, binding);
    const unwrapped = await new EnvelopeKeyVault(provider).unwrap(wrapped, binding);
    const otherTenant = await codeOfAsync(() =>
      new EnvelopeKeyVault(provider).unwrap(wrapped, { ...binding, tenantId: 'tenant-b' }),
    );

    // Assess
    expect(bytesToHex(unwrapped)).toBe(bytesToHex(key));
    expect(otherTenant).toBe(C2ErrorCode.KeyUnavailable);
  });

  it('reports a missing KMS key as KEY_UNAVAILABLE with a short message', async () => {
    // Prepare
    const provider = new KmsMasterKeyProvider(kms(), '11111111-2222-3333-4444-555555555555');

    // Act
    const error = await rejection(() => provider.generateDataKey('tenant-a'));

    // Assess
    expect(error.code).toBe(C2ErrorCode.KeyUnavailable);
    expect(error.message).toBe('KMS did not make a data key');
    expect((error.cause as Error).name).toBe('NotFoundException');
  });

  it('reports an unreachable KMS as KEY_UNAVAILABLE, the network error as its cause', async () => {
    // Prepare: a real refused connection (a port nothing listens on), the SDK's retries off
    const { provider } = await newKey();
    const { wrapped } = await provider.generateDataKey('tenant-a');
    const port = await closedPort();
    const unreachable = kms({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    const offline = new KmsMasterKeyProvider(unreachable, 'alias/e4c2');

    // Act
    const making = await rejection(() => offline.generateDataKey('tenant-a'));
    const opening = await rejection(() => offline.decryptDataKey('tenant-a', wrapped));

    // Assess
    expect([making.code, making.message]).toEqual([C2ErrorCode.KeyUnavailable, 'KMS did not make a data key']);
    expect([opening.code, opening.message]).toEqual([C2ErrorCode.KeyUnavailable, 'KMS did not open the data key']);
    expect((opening.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
