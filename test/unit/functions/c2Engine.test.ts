/**
 * The C2's crypto engine (functions/c2Engine.ts): every AES-SIV operation on OpenSSL whatever its size, and the same
 * bytes as the pure engine. The pure context is watched through spies on PureSivKey's methods (they are only
 * observed, never replaced): the C2's engine, vault and command sender must never call them, where the library's
 * default Node engine does for short payloads (the positive control). Both composition roots are checked: local
 * mode (dynalite, keyring, aedes) and the AWS one (moto's KMS, DynamoDB and IoT data plane).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { c2Engine } from '../../../functions/c2Engine.js';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { withSender } from '../../../shared/c2/delivery/CommandSender.js';
import { PureSivKey } from '../../../shared/e4/crypto/PureSivKey.js';
import { pureEngine } from '../../../shared/e4/crypto/pureEngine.js';
import { bytesToHex, cmdResetTopics, cmdSetTopicKey, randomKey } from '../../../shared/e4/index.js';
import { NodeSivKey } from '../../../shared/e4/node/NodeSivKey.js';
import { nodeEngine } from '../../../shared/e4/node/nodeEngine.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

let spies: MockInstance[] = [];
beforeEach(() => {
  spies = (['sealInto', 'open', 's2vPrefix'] as const).map((method) => vi.spyOn(PureSivKey.prototype, method));
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
});
/** Calls into the pure (table-based) AES-SIV context since the test began. */
const pureCalls = () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);

function seal(key: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, engine = c2Engine): Uint8Array {
  const out = new Uint8Array(16 + plaintext.length);
  engine.sivKey(key).sealInto(ad, plaintext, out, 0);
  return out;
}

describe('c2Engine', () => {
  it('makes OpenSSL-only AES-SIV keys (threshold 0)', () => {
    const siv = c2Engine.sivKey(randomKey());
    expect(siv).toBeInstanceOf(NodeSivKey);
    expect((siv as NodeSivKey).threshold).toBe(0);
    expect(c2Engine.name).toBe('node-openssl');
  });

  it('seals and opens a 32-byte key and a 1-byte command without the pure context', () => {
    // Prepare
    const key = randomKey();
    const ad = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

    // Act
    const opened = [32, 1, 0].map((size) => c2Engine.sivKey(key).open(ad, seal(key, ad, new Uint8Array(size))));

    // Assess
    expect(opened.map((plaintext) => plaintext?.length)).toEqual([32, 1, 0]);
    expect(pureCalls()).toBe(0);
  });

  it('the spies see the library default (node engine, pure below 144 bytes): the control', () => {
    const key = randomKey();
    nodeEngine.sivKey(key).open(new Uint8Array(8), seal(key, new Uint8Array(8), new Uint8Array(32), nodeEngine));
    expect(pureCalls()).toBeGreaterThan(0);
  });

  it('gives the same bytes as the pure engine at every size 0..300 (8-byte and 40-byte associated data)', () => {
    // Prepare
    const key = randomKey();
    const mismatches: string[] = [];

    // Act
    for (const adLength of [0, 8, 16, 40]) {
      const ad = Uint8Array.from({ length: adLength }, (_, i) => i * 7);
      for (let size = 0; size <= 300; size++) {
        const plaintext = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        const sealed = seal(key, ad, plaintext);
        if (bytesToHex(sealed) !== bytesToHex(seal(key, ad, plaintext, pureEngine)))
          mismatches.push(`${adLength}/${size}`);
        else if (bytesToHex(c2Engine.sivKey(key).open(ad, sealed)!) !== bytesToHex(plaintext)) {
          mismatches.push(`open ${adLength}/${size}`);
        }
      }
    }

    // Assess
    expect(mismatches).toEqual([]);
  });

  it('gives the same bytes as the pure engine on random keys, associated data and payloads (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 200 }),
        (key, ad, plaintext) => {
          expect(bytesToHex(seal(key, ad, plaintext))).toBe(bytesToHex(seal(key, ad, plaintext, pureEngine)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its own copy of a key given as a Buffer that the caller then wipes (as the keyring does)', () => {
    // Prepare
    const key = randomKey();
    const given = Buffer.from(key);
    const siv = c2Engine.sivKey(given);
    given.fill(0);

    // Act
    const sealed = new Uint8Array(48);
    siv.sealInto(new Uint8Array(8), new Uint8Array(32).fill(5), sealed, 0);

    // Assess
    expect(bytesToHex(sealed)).toBe(bytesToHex(seal(key, new Uint8Array(8), new Uint8Array(32).fill(5), pureEngine)));
  });

  it('refuses a sealed box shorter than its tag, and any flipped bit of a short one', () => {
    const key = randomKey();
    const siv = c2Engine.sivKey(key);
    expect(siv.open(new Uint8Array(8), new Uint8Array(15))).toBeUndefined();
    const sealed = seal(key, new Uint8Array(8), Uint8Array.of(9));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const tampered = sealed.slice();
      tampered[bit >>> 3]! ^= 1 << (bit & 7);
      expect(siv.open(new Uint8Array(8), tampered)).toBeUndefined();
    }
  });
});

/** What the C2 does with AES-SIV: wrap and unwrap a key in the vault, protect commands (1 byte and 65 bytes). */
async function exerciseC2(deps: C2Deps, tenantId: string): Promise<{ delivered: number }> {
  const caller = callerOf(tenantId);
  const binding = { tenantId, kind: 'topic', name: 'a/b', version: 1 };
  const key = randomKey();
  expect(await deps.vault.unwrap(await deps.vault.wrap(key, binding), binding)).toEqual(key);
  await createClient(deps, caller, { name: 'engine-check', mode: 'symmetric', generateKey: true });
  const client = (await deps.store.getClient(tenantId, 'engine-check'))!;
  return withSender(deps, tenantId, (sender) =>
    sender.send([
      { client, command: cmdResetTopics() },
      { client, command: cmdSetTopicKey(key, 'a/b') },
    ]),
  );
}

describe('local mode composition (composeLocalC2)', () => {
  let c2: LocalC2;
  beforeAll(async () => {
    c2 = await startLocalC2();
  });
  afterAll(async () => {
    await c2?.close();
  });

  it('runs the vault and the command sender on the C2 engine: no pure AES-SIV call', async () => {
    // Act
    const report = await exerciseC2(c2.deps, 'tenant-engine');

    // Assess
    expect(c2.deps.engine).toBe(c2Engine);
    expect(report.delivered).toBe(2);
    expect(pureCalls()).toBe(0);
  });
});

describeWithMoto('AWS composition (composeAwsC2)', (moto) => {
  let deps: C2Deps;
  beforeAll(async () => {
    const clients = clientConfig(moto());
    const kms = new KMSClient(clients);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'e4c2 engine test' }));
    kms.destroy();
    const db = new DynamoDBClient(clients);
    await createKeyStoreTable(db, 'e4c2-engine');
    db.destroy();
    const config = awsC2Config({
      tableName: 'e4c2-engine',
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      // Not called by this test (it runs use cases that enqueue nothing): any URL will do.
      workQueueUrl: `${clients.endpoint}/123456789012/e4c2-work`,
    });
    deps = composeAwsC2(config, { clients });
  });
  afterAll(async () => {
    await deps?.publisher.close();
  });

  it('runs the vault (KMS data keys) and the command sender on the C2 engine: no pure AES-SIV call', async () => {
    // Act
    const report = await exerciseC2(deps, 'tenant-engine');

    // Assess
    expect(deps.engine).toBe(c2Engine);
    expect(report.delivered).toBe(2);
    expect(pureCalls()).toBe(0);
  });
});
