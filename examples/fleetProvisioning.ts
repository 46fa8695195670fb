/**
 * A device's side of AWS IoT fleet provisioning by claim (infra/README.md, "Fleet provisioning by claim"): with the
 * claim certificate its factory installed, it asks IoT Core for a certificate of its own, then registers it through
 * the C2's provisioning template, proving that it holds its E4 key; then it keeps the new certificate and key and
 * connects with them as its thing (client id = thing name), as a device the C2 provisioned itself does.
 *
 *   npx tsx examples/fleetProvisioning.ts --endpoint <account>-ats.iot.<region>.amazonaws.com \
 *     --claim-cert claim.pem.crt --claim-key claim.pem.key --ca AmazonRootCA1.pem \
 *     --template <FleetProvisioningTemplateName output> --tenant <tenant id> --state device.json --out ./device-cert
 *
 * `--state`: the device's E4 state (the device library's JSON, e4go-compatible, with its key): its E4 id names the
 * client, its key makes the proof. Over MQTT (mqtt.js, TLS on 8883):
 * 1. `$aws/certificates/create/json` (CreateKeysAndCertificate): a new key pair and certificate, its id and an
 *    ownership token, on `.../accepted` (or the reason on `.../rejected`);
 * 2. `$aws/provisioning-templates/<template>/provision/json` (RegisterThing) with the token and the parameters
 *    `TenantId`, `ClientId` (hex E4 id) and `Proof` (over the new certificate's id, {@link fleetProvisioningProof}):
 *    the C2's pre-provisioning hook checks them, IoT Core makes the thing `e4c2-<tenant>-<hex id>`, attaches the
 *    device policy to the certificate and activates it, and answers the thing name on `.../accepted`.
 * The claim certificate's policy allows these two topics only, and client ids `e4c2_claim-*` only (no
 * device's thing name starts with it).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import mqtt, { type MqttClient } from 'mqtt';
import { bytesToHex, decodeState, getDefaultEngine, type Identity, utf8 } from '../shared/e4/index.js';

/** What the proof is over (the C2 checks the same, shared/c2/provisioning/provisioningProof.ts). */
export const PROOF_CONTEXT = 'e4c2-fleet-provisioning:';

/**
 * The device's proof that it holds its E4 key, for the certificate `certificateId`: HMAC-SHA256 of
 * `e4c2-fleet-provisioning:<certificateId>` under its identity key (symmetric), or its Ed25519 signature of it
 * (public-key mode); lowercase hex.
 */
export function fleetProvisioningProof(identity: Identity, certificateId: string): string {
  const message = utf8(`${PROOF_CONTEXT}${certificateId}`);
  return bytesToHex(
    identity.mode === 'symmetric'
      ? hmac(sha256, identity.key, message)
      : getDefaultEngine().sign(identity.privateKey, message),
  );
}

/** What CreateKeysAndCertificate answers (the private key returned once). */
interface NewCertificate {
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly privateKey: string;
  readonly certificateOwnershipToken: string;
}

/** Publishes `payload` (JSON) to `topic` and resolves with the JSON of `topic/accepted`, or rejects with `/rejected`. */
async function request<T>(client: MqttClient, topic: string, payload: object, timeoutMs = 15_000): Promise<T> {
  const accepted = `${topic}/accepted`;
  const rejected = `${topic}/rejected`;
  await client.subscribeAsync([accepted, rejected], { qos: 1 });
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no answer on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (answered: string, body: Buffer) => {
        if (answered === accepted) done(undefined, JSON.parse(body.toString('utf8')) as T);
        else if (answered === rejected) done(new Error(`${topic} rejected: ${body.toString('utf8')}`));
      };
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        client.off('message', onMessage);
        if (error) reject(error);
        else resolve(value as T);
      };
      client.on('message', onMessage);
      client.publishAsync(topic, JSON.stringify(payload), { qos: 1 }).catch(done);
    });
  } finally {
    await client.unsubscribeAsync([accepted, rejected]).catch(() => undefined);
  }
}

export interface ProvisionByClaimOptions {
  /** `mqtts://<endpoint>:8883`, or any MQTT URL (tests). */
  readonly url: string;
  /** The claim certificate and its private key (PEM), and the CA of the endpoint (Amazon Root CA 1). */
  readonly claim?: { readonly cert: string; readonly key: string; readonly ca?: string };
  readonly templateName: string;
  readonly tenantId: string;
  /** The device's E4 state (its id and key). */
  readonly state: { readonly id: Uint8Array; readonly identity: Identity };
}

export interface ProvisionedDevice {
  readonly thingName: string;
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly privateKey: string;
}

/** Fleet provisioning by claim, both steps, over one connection with the claim certificate. */
export async function provisionByClaim(options: ProvisionByClaimOptions): Promise<ProvisionedDevice> {
  const client = await mqtt.connectAsync(options.url, {
    clientId: `e4c2_claim-${randomBytes(8).toString('hex')}`,
    ...(options.claim ? { cert: options.claim.cert, key: options.claim.key, ca: options.claim.ca } : {}),
    reconnectPeriod: 0,
    connectTimeout: 15_000,
  });
  try {
    const created = await request<NewCertificate>(client, '$aws/certificates/create/json', {});
    const registered = await request<{ thingName: string }>(
      client,
      `$aws/provisioning-templates/${options.templateName}/provision/json`,
      {
        certificateOwnershipToken: created.certificateOwnershipToken,
        parameters: {
          TenantId: options.tenantId,
          ClientId: bytesToHex(options.state.id),
          Proof: fleetProvisioningProof(options.state.identity, created.certificateId),
        },
      },
    );
    return {
      thingName: registered.thingName,
      certificateId: created.certificateId,
      certificatePem: created.certificatePem,
      privateKey: created.privateKey,
    };
  } finally {
    await client.endAsync();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      'claim-cert': { type: 'string' },
      'claim-key': { type: 'string' },
      ca: { type: 'string' },
      template: { type: 'string' },
      tenant: { type: 'string' },
      state: { type: 'string' },
      out: { type: 'string', default: './device-cert' },
    },
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value.length === 0) throw new Error(`--${name} is required`);
    return value;
  };
  const state = decodeState(await readFile(required('state')));
  const device = await provisionByClaim({
    url: `mqtts://${required('endpoint')}:8883`,
    claim: {
      cert: await readFile(required('claim-cert'), 'utf8'),
      key: await readFile(required('claim-key'), 'utf8'),
      ...(values.ca ? { ca: await readFile(values.ca, 'utf8') } : {}),
    },
    templateName: required('template'),
    tenantId: required('tenant'),
    state,
  });
  const out = required('out');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'certificate.pem.crt'), device.certificatePem);
  await writeFile(join(out, 'private.pem.key'), device.privateKey, { mode: 0o600 });
  await writeFile(join(out, 'thing-name'), `${device.thingName}\n`);
  console.log(`provisioned as thing ${device.thingName}; certificate and key in ${out}`);
  console.log(`connect with client id ${device.thingName} to mqtts://${required('endpoint')}:8883`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
