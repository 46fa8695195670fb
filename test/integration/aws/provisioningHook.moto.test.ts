/**
 * The pre-provisioning hook of fleet provisioning (functions/provisioningHook/handleProvisioningHook.ts) over moto:
 * its deps composed as in Lambda (composeAwsC2: DynamoDB, KMS-enveloped keys, the IoT device provisioner), clients
 * made by the use cases, events of the shape IoT Core sends (certificate ids of real certificates made by moto). A
 * device that proves its key is allowed, with the tenant and its E4 id pinned; every other request is refused, never
 * a throw, and each decision on an existing client is in its tenant's event log (none on a client that does not exist). The proofs are made as a device makes them
 * (examples/fleetProvisioning.ts). What moto lacks: the provisioning templates (CreateProvisioningTemplate,
 * RegisterThing) and IoT Core's MQTT API of fleet provisioning, so IoT Core's call of the hook is played here.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeysAndCertificateCommand, type IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { fleetProvisioningProof } from '../../../examples/fleetProvisioning.js';
import { type AwsC2Deps, composeAwsC2 } from '../../../functions/composeAwsC2.js';
import {
  handleProvisioningHook,
  type ProvisioningHookLogger,
} from '../../../functions/provisioningHook/handleProvisioningHook.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { pendingBinding } from '../../../shared/c2/clients/newClientKey.js';
import type { EventRecord } from '../../../shared/c2/ports.js';
import { bytesToHex, type Identity, randomEd25519KeyPair, randomKey } from '../../../shared/e4/index.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { callerOf } from '../../support/callerOf.js';
import { fleetC2OnMoto } from '../../support/fleetC2OnMoto.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

const TABLE = 'e4c2-provisioning-hook';
const POLICY = 'e4c2-device';
const caller = callerOf('tenant-fleet', 'operator');

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

function recordingLogger(): ProvisioningHookLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    lines.push({ level, message, attributes });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describeWithMoto('the pre-provisioning hook over moto (DynamoDB, KMS, IoT)', (moto) => {
  let deps: AwsC2Deps;
  let iot: IoTClient;
  let db: DynamoDBClient;
  let logger: ReturnType<typeof recordingLogger>;
  const symmetricKey = randomKey();
  const pubkeyPair = randomEd25519KeyPair();
  const sensor: Identity = { mode: 'symmetric', key: symmetricKey };
  let sensorId: string;
  let cameraId: string;
  const camera: Identity = {
    mode: 'pubkey',
    privateKey: pubkeyPair.privateKey,
    signerId: new Uint8Array(16),
    c2PublicKey: new Uint8Array(32),
    pubKeys: new Map(),
  };

  beforeAll(async () => {
    const fixture = await fleetC2OnMoto(moto(), TABLE, POLICY);
    ({ deps, db, iot } = fixture);
    const now = new Date().toISOString();
    await deps.store.createTenant({ id: caller.tenantId, status: 'active', createdAt: now, updatedAt: now });
    const made = await createClient(deps, caller, { name: 'sensor-1', mode: 'symmetric', key: symmetricKey });
    sensorId = made.client.id;
    const cam = await createClient(deps, caller, { name: 'camera-1', mode: 'pubkey', publicKey: pubkeyPair.publicKey });
    cameraId = cam.client.id;
  });
  afterAll(async () => {
    await deps?.publisher.close();
    iot?.destroy();
    db?.destroy();
  });
  beforeEach(() => {
    logger = recordingLogger();
  });

  /** A certificate as CreateKeysAndCertificate over MQTT makes it (its id is what the proof is over). */
  async function newCertificateId(): Promise<string> {
    const { certificateId } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
    return certificateId!;
  }

  /** The event IoT Core sends the hook for a RegisterThing with these parameters. */
  function hookEvent(certificateId: string, parameters: Record<string, string>) {
    return {
      claimCertificateId: 'c'.repeat(64),
      certificateId,
      certificatePem: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----',
      templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/e4c2-fleet',
      clientId: 'e4c2_claim-0011223344556677',
      parameters,
    };
  }

  async function provisionEvents(tenantId = caller.tenantId): Promise<EventRecord[]> {
    const { items } = await deps
      .depsFor(tenantId)
      .store.listEvents(tenantId, { action: 'device.provision' }, { limit: 50 });
    return items;
  }

  it('allows a symmetric client that proves its key, pinning its tenant and E4 id; the event log says so', async () => {
    // Prepare
    const certificateId = await newCertificateId();
    const before = (await provisionEvents()).length;

    // Act
    const answer = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, {
        TenantId: caller.tenantId,
        ClientId: sensorId,
        Proof: fleetProvisioningProof(sensor, certificateId),
      }),
      logger,
    );

    // Assess
    expect(answer).toEqual({
      allowProvisioning: true,
      parameterOverrides: { TenantId: caller.tenantId, ClientId: sensorId },
    });
    const events = await provisionEvents();
    expect(events).toHaveLength(before + 1);
    expect(events[0]).toMatchObject({
      actor: 'fleet-provisioning',
      target: { type: 'client', name: 'sensor-1' },
      result: 'ok',
      details: { certificateId, clientId: sensorId, claimCertificateId: 'c'.repeat(64) },
    });
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'fleet provisioning allowed',
        attributes: { tenantId: caller.tenantId, client: 'sensor-1' },
      },
    ]);
  });

  it('allows a public-key client named by its name, with its Ed25519 signature of the certificate id', async () => {
    const certificateId = await newCertificateId();
    const answer = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, {
        TenantId: caller.tenantId,
        ClientName: 'camera-1',
        ClientId: '',
        Proof: fleetProvisioningProof(camera, certificateId),
      }),
      logger,
    );
    expect(answer).toEqual({
      allowProvisioning: true,
      parameterOverrides: { TenantId: caller.tenantId, ClientId: cameraId },
    });
  });

  it('allows a device that already holds a new identity key the C2 sent (pending), symmetric or public-key', async () => {
    // Prepare: clients with a new key sent but not yet confirmed (as an identity-key operation leaves them)
    const tenant = deps.depsFor(caller.tenantId);
    const oldKey = randomKey();
    const newKey = randomKey();
    const sym = await createClient(deps, caller, { name: 'pending-sym', mode: 'symmetric', key: oldKey });
    const oldPair = randomEd25519KeyPair();
    const newPair = randomEd25519KeyPair();
    const pub = await createClient(deps, caller, { name: 'pending-pub', mode: 'pubkey', publicKey: oldPair.publicKey });
    for (const [name, secret] of [
      ['pending-sym', newKey],
      ['pending-pub', newPair.privateKey],
    ] as const) {
      const record = (await tenant.store.getClient(caller.tenantId, name))!;
      const wrappedKey = await tenant.vault.wrap(secret, pendingBinding(record, 2));
      await tenant.store.setClientPendingKey(caller.tenantId, name, { wrappedKey, keyVersion: 2 }, 1);
    }
    const certificateId = await newCertificateId();
    const ask = (clientId: string, identity: Identity) =>
      handleProvisioningHook(
        deps,
        hookEvent(certificateId, {
          TenantId: caller.tenantId,
          ClientId: clientId,
          Proof: fleetProvisioningProof(identity, certificateId),
        }),
        logger,
      );
    const pubIdentity = (privateKey: Uint8Array): Identity => ({ ...camera, privateKey }) as Identity;

    // Act
    const answers = [
      await ask(sym.client.id, { mode: 'symmetric', key: newKey }),
      await ask(sym.client.id, { mode: 'symmetric', key: oldKey }),
      await ask(pub.client.id, pubIdentity(newPair.privateKey)),
      await ask(pub.client.id, pubIdentity(oldPair.privateKey)),
      await ask(pub.client.id, pubIdentity(randomEd25519KeyPair().privateKey)),
    ];

    // Assess
    expect(answers.map((answer) => answer.allowProvisioning)).toEqual([true, true, true, true, false]);
  });

  it('refuses a wrong proof: another key, a proof of another certificate, the other mode', async () => {
    // Prepare
    const certificateId = await newCertificateId();
    const other = await newCertificateId();
    const before = (await provisionEvents()).length;
    const proofs = [
      fleetProvisioningProof({ mode: 'symmetric', key: randomKey() }, certificateId),
      fleetProvisioningProof(sensor, other),
      fleetProvisioningProof(camera, certificateId),
      'not hex',
    ];

    // Act
    const answers = [];
    for (const proof of proofs) {
      answers.push(
        await handleProvisioningHook(
          deps,
          hookEvent(certificateId, { TenantId: caller.tenantId, ClientId: sensorId, Proof: proof }),
          logger,
        ),
      );
    }

    // Assess: refused, logged without the proof, each refusal in the event log
    expect(answers).toEqual(proofs.map(() => ({ allowProvisioning: false })));
    expect(logger.lines.map((line) => [line.level, line.attributes.reason])).toEqual(
      proofs.map(() => ['warn', 'bad-proof']),
    );
    const logged = JSON.stringify(logger.lines);
    for (const proof of proofs) expect(logged).not.toContain(proof);
    expect(logged).not.toContain(bytesToHex(symmetricKey));
    const events = (await provisionEvents()).slice(0, proofs.length);
    expect(await provisionEvents()).toHaveLength(before + proofs.length);
    for (const event of events) {
      expect(event).toMatchObject({
        target: { type: 'client', name: 'sensor-1' },
        result: 'error',
        errorCode: 'INVALID_INPUT',
        details: { refusal: 'bad-proof', certificateId },
      });
    }
  });

  it('refuses an unknown client, of a registered tenant or not, logged only: nothing in any event log', async () => {
    // Prepare
    const certificateId = await newCertificateId();
    const proof = fleetProvisioningProof(sensor, certificateId);
    await deps.store.createTenant({
      id: 'tenant-registered',
      status: 'active',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const before = await provisionEvents();

    // Act
    const unknownClient = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, { TenantId: caller.tenantId, ClientName: 'nobody', Proof: proof }),
      logger,
    );
    const mismatched = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, { TenantId: caller.tenantId, ClientName: 'camera-1', ClientId: sensorId, Proof: proof }),
      logger,
    );
    const otherTenant = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, { TenantId: 'tenant-registered', ClientId: sensorId, Proof: proof }),
      logger,
    );
    const noTenant = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, { TenantId: 'tenant-nowhere', ClientId: sensorId, Proof: proof }),
      logger,
    );

    // Assess
    for (const answer of [unknownClient, mismatched, otherTenant, noTenant]) {
      expect(answer).toEqual({ allowProvisioning: false });
    }
    expect(logger.lines.map((line) => line.attributes.reason)).toEqual([
      'unknown-client',
      'unknown-client',
      'unknown-client',
      'unknown-client',
    ]);
    // A claim certificate's holder names any tenant and any client: nothing of theirs reaches a tenant's log.
    expect(await provisionEvents()).toEqual(before);
    expect(await provisionEvents('tenant-registered')).toEqual([]);
    expect(await provisionEvents('tenant-nowhere')).toEqual([]);
  });

  it('refuses a client of a suspended tenant (in its event log)', async () => {
    const at = new Date().toISOString();
    await deps.store.setTenantStatus(caller.tenantId, { status: 'suspended', from: ['active'], at });
    try {
      const certificateId = await newCertificateId();
      const answer = await handleProvisioningHook(
        deps,
        hookEvent(certificateId, {
          TenantId: caller.tenantId,
          ClientId: sensorId,
          Proof: fleetProvisioningProof(sensor, certificateId),
        }),
        logger,
      );
      expect(answer).toEqual({ allowProvisioning: false });
      expect(logger.lines[0]?.attributes).toMatchObject({ reason: 'tenant-inactive' });
      expect((await provisionEvents())[0]).toMatchObject({
        target: { name: 'sensor-1' },
        result: 'error',
        errorCode: 'TENANT_SUSPENDED',
        details: { refusal: 'tenant-inactive', certificateId },
      });
    } finally {
      await deps.store.setTenantStatus(caller.tenantId, { status: 'active', from: ['suspended'], at });
    }
  });

  it('refuses a client provisioned already (its thing exists), with a right proof', async () => {
    // Prepare: a client the C2 provisioned itself (thing and certificate in moto)
    const key = randomKey();
    const made = await createClient(deps, caller, { name: 'gateway-1', mode: 'symmetric', key, provisionDevice: true });
    expect(made.device?.thingName).toBe(`e4c2-${caller.tenantId}-${made.client.id}`);
    const certificateId = await newCertificateId();

    // Act
    const answer = await handleProvisioningHook(
      deps,
      hookEvent(certificateId, {
        TenantId: caller.tenantId,
        ClientId: made.client.id,
        Proof: fleetProvisioningProof({ mode: 'symmetric', key }, certificateId),
      }),
      logger,
    );

    // Assess
    expect(answer).toEqual({ allowProvisioning: false });
    expect(logger.lines[0]?.attributes).toMatchObject({ reason: 'already-provisioned' });
    expect((await provisionEvents())[0]).toMatchObject({
      target: { name: 'gateway-1' },
      result: 'error',
      errorCode: 'ALREADY_EXISTS',
    });
  });

  it('refuses malformed events without throwing and without writing anything', async () => {
    // Prepare
    const certificateId = await newCertificateId();
    const before = (await provisionEvents()).length;
    const good = {
      TenantId: caller.tenantId,
      ClientId: sensorId,
      Proof: fleetProvisioningProof(sensor, certificateId),
    };
    const events: unknown[] = [
      undefined,
      null,
      'event',
      [],
      {},
      { certificateId },
      { certificateId: 'not-an-id', parameters: good },
      { certificateId, parameters: [] },
      { certificateId, parameters: { ...good, TenantId: 'Not A Tenant!' } },
      { certificateId, parameters: { ...good, TenantId: 42 } },
      { certificateId, parameters: { TenantId: caller.tenantId, Proof: good.Proof } },
      { certificateId, parameters: { ...good, ClientId: 'ABC' } },
      { certificateId, parameters: { TenantId: caller.tenantId, ClientName: 'a\u0000b', Proof: good.Proof } },
      { certificateId, parameters: { TenantId: caller.tenantId, ClientId: sensorId } },
      { certificateId, parameters: { ...good, Proof: { hex: good.Proof } } },
    ];

    // Act
    const answers = [];
    for (const event of events) answers.push(await handleProvisioningHook(deps, event, logger));

    // Assess
    expect(answers).toEqual(events.map(() => ({ allowProvisioning: false })));
    expect(logger.lines.map((line) => line.attributes.reason)).toEqual(events.map(() => 'malformed'));
    expect(await provisionEvents()).toHaveLength(before);
  });

  it('refuses, logged as an error, when the store fails (a table that does not exist)', async () => {
    // Prepare: the same deps on a missing table (a real failure of DynamoDB, not a mock)
    const clients = clientConfig(moto());
    const broken = composeAwsC2(
      awsC2Config({
        tableName: 'no-such-table',
        kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
        iotDataEndpoint: clients.endpoint,
        workQueueUrl: `${clients.endpoint}/123456789012/unused`,
        devicePolicyName: POLICY,
      }),
      { clients },
    );
    const certificateId = await newCertificateId();

    // Act
    const answer = await handleProvisioningHook(
      broken,
      hookEvent(certificateId, {
        TenantId: caller.tenantId,
        ClientId: sensorId,
        Proof: fleetProvisioningProof(sensor, certificateId),
      }),
      logger,
    );
    await broken.publisher.close();

    // Assess
    expect(answer).toEqual({ allowProvisioning: false });
    expect(logger.lines).toMatchObject([
      { level: 'error', attributes: { reason: 'failed', error: { name: 'ResourceNotFoundException' } } },
    ]);
  });
});
