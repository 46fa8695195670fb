/**
 * The device provisioner of the AWS deployment: one AWS IoT Core thing per client, named
 * `e4c2-<tenantId>-<client id hex>` (attributes `tenant` and `e4id`, which the device policy of the service stack
 * reads), and one X.509 certificate made by IoT Core (CreateKeysAndCertificate: the private key is returned once
 * and never stored), active, attached to the device policy and to the thing.
 *
 * Provisioning refuses a thing that exists already (ALREADY_EXISTS: deprovision it first) and undoes what it made,
 * best effort, when a step fails. Deprovisioning detaches each principal of the thing, detaches the device policy
 * from each certificate, deactivates and deletes it, then deletes the thing; every step tolerates what is already
 * gone, so it can be repeated, and a missing thing is no error. `isProvisioned` answers whether either check of
 * provisioning would find the device (the pre-provisioning hook of fleet provisioning refuses such a device). IoT Core detaches principals asynchronously: a
 * DeleteConflictException (certificate) or InvalidRequestException (thing still attached) is retried a few times.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  type IoTClient,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { DeviceCredentials, DeviceProvisioner } from '../../c2/ports.js';

export interface IotDeviceProvisionerOptions {
  /** The IoT policy attached to every device certificate (created by the stack). */
  readonly policyName: string;
  /** Attempts of a delete that IoT Core refuses while a detachment propagates; default 6. */
  readonly settleAttempts?: number;
  /** First delay between those attempts (doubling); default 250 ms. */
  readonly settleDelayMs?: number;
}

const PREFIX = 'e4c2-';
const MAX_THING_NAME = 128;
const TENANT = /^[a-zA-Z0-9_-]+$/;
const ID_HEX = /^[0-9a-f]{32}$/;
const CERTIFICATE_ARN = /:cert\/([0-9a-f]{64})$/;

/** The thing name of a client (or INVALID_INPUT): `e4c2-<tenantId>-<idHex>`, at most 128 of [a-zA-Z0-9_-]. */
export function thingNameOf(tenantId: string, idHex: string): string {
  if (typeof tenantId !== 'string' || !TENANT.test(tenantId)) {
    throw new C2Error(C2ErrorCode.InvalidInput, 'a device thing needs a tenant id of letters, digits, "_" or "-"');
  }
  if (typeof idHex !== 'string' || !ID_HEX.test(idHex)) {
    throw new C2Error(C2ErrorCode.InvalidInput, 'a device thing needs the client id as 32 lowercase hex digits');
  }
  const thingName = `${PREFIX}${tenantId}-${idHex}`;
  if (thingName.length > MAX_THING_NAME) {
    throw new C2Error(C2ErrorCode.InvalidInput, 'the tenant id is too long for a device thing name');
  }
  return thingName;
}

const isNotFound = (error: unknown) => error instanceof ResourceNotFoundException;

/** Runs `call`; a ResourceNotFoundException (already gone) is success. */
async function ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export class IotDeviceProvisioner implements DeviceProvisioner {
  readonly #iot: IoTClient;
  readonly #policyName: string;
  readonly #settleAttempts: number;
  readonly #settleDelayMs: number;

  /** The client is the caller's. */
  constructor(iot: IoTClient, options: IotDeviceProvisionerOptions) {
    if (typeof options.policyName !== 'string' || options.policyName.length === 0) {
      throw new TypeError('policyName must be a non-empty string');
    }
    this.#iot = iot;
    this.#policyName = options.policyName;
    this.#settleAttempts = options.settleAttempts ?? 6;
    this.#settleDelayMs = options.settleDelayMs ?? 250;
    if (!Number.isSafeInteger(this.#settleAttempts) || this.#settleAttempts < 1) {
      throw new RangeError('settleAttempts must be a positive integer');
    }
  }

  async provision(tenantId: string, client: { name: string; idHex: string }): Promise<DeviceCredentials> {
    const thingName = thingNameOf(tenantId, client.idHex);
    if (await this.#thingExists(thingName)) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `the device thing of client ${client.idHex} exists already`);
    }
    // One device per E4 id on the broker: the device policy lets a thing subscribe to `e4/<its e4id>`, so a second
    // thing of that id would read the first's commands. The C2 gives an E4 id to one tenant at creation already (the
    // claim, shared/c2/clients/clientIdClaim.ts): this is a second line, for clients created before the claims.
    if ((await this.#thingsOfE4Id(client.idHex)).length > 0) {
      throw new C2Error(
        C2ErrorCode.AlreadyExists,
        'a device with this E4 id is registered with IoT Core already (a client of the same name elsewhere): ' +
          'choose another name to provision it',
      );
    }
    const undo: Array<() => Promise<void>> = [];
    let step = 'CreateThing';
    try {
      await this.#iot.send(
        new CreateThingCommand({
          thingName,
          attributePayload: { attributes: { tenant: tenantId, e4id: client.idHex } },
        }),
      );
      undo.push(() => this.#deleteThing(thingName));

      step = 'CreateKeysAndCertificate';
      const made = await this.#iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      const { certificateArn, certificateId, certificatePem } = made;
      const privateKey = made.keyPair?.PrivateKey;
      if (certificateId) undo.push(() => this.#deleteCertificate(certificateId));
      if (!certificateArn || !certificateId || !certificatePem || !privateKey) {
        throw new Error('CreateKeysAndCertificate answered without a certificate and private key');
      }

      step = 'AttachPolicy';
      await this.#iot.send(new AttachPolicyCommand({ policyName: this.#policyName, target: certificateArn }));
      undo.push(() => this.#detachPolicy(certificateArn));

      step = 'AttachThingPrincipal';
      await this.#iot.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));

      return { thingName, certificateArn, certificateId, certificatePem, privateKey };
    } catch (error) {
      let undone = true;
      for (const action of undo.reverse()) {
        await action().catch(() => {
          undone = false;
        });
      }
      const outcome = undone ? 'what was made is undone' : 'undoing what was made failed too: deprovision it';
      throw new Error(`provisioning the device thing ${thingName} failed at ${step}; ${outcome}`, { cause: error });
    }
  }

  async deprovision(tenantId: string, client: { idHex: string }): Promise<void> {
    const thingName = thingNameOf(tenantId, client.idHex);
    let principals: string[];
    try {
      principals = await this.#principalsOf(thingName);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const principal of principals) {
      await ignoringNotFound(() => this.#iot.send(new DetachThingPrincipalCommand({ thingName, principal })));
      const certificateId = CERTIFICATE_ARN.exec(principal)?.[1];
      if (certificateId) {
        await this.#detachPolicy(principal);
        await this.#deleteCertificate(certificateId);
      }
    }
    await this.#deleteThing(thingName);
  }

  async isProvisioned(tenantId: string, client: { idHex: string }): Promise<boolean> {
    if (await this.#thingExists(thingNameOf(tenantId, client.idHex))) return true;
    return (await this.#thingsOfE4Id(client.idHex)).length > 0;
  }

  async #thingsOfE4Id(idHex: string) {
    const { things = [] } = await this.#iot.send(
      new ListThingsCommand({ attributeName: 'e4id', attributeValue: idHex, maxResults: 1 }),
    );
    return things;
  }

  async #thingExists(thingName: string): Promise<boolean> {
    try {
      await this.#iot.send(new DescribeThingCommand({ thingName }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async #principalsOf(thingName: string): Promise<string[]> {
    const principals: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#iot.send(new ListThingPrincipalsCommand({ thingName, nextToken, maxResults: 100 }));
      principals.push(...(page.principals ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return principals;
  }

  #detachPolicy(certificateArn: string): Promise<void> {
    return ignoringNotFound(() =>
      this.#iot.send(new DetachPolicyCommand({ policyName: this.#policyName, target: certificateArn })),
    );
  }

  async #deleteCertificate(certificateId: string): Promise<void> {
    await ignoringNotFound(() =>
      this.#iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })),
    );
    await this.#settling(DeleteConflictException, () =>
      ignoringNotFound(() => this.#iot.send(new DeleteCertificateCommand({ certificateId }))),
    );
  }

  #deleteThing(thingName: string): Promise<void> {
    return this.#settling(InvalidRequestException, () =>
      ignoringNotFound(() => this.#iot.send(new DeleteThingCommand({ thingName }))),
    );
  }

  /** Runs `call`, again after a growing delay while it fails with `conflict` (a detachment still propagating). */
  async #settling(conflict: abstract new (...args: never[]) => Error, call: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof conflict) || attempt >= this.#settleAttempts) throw error;
      }
      await sleep(this.#settleDelayMs * 2 ** (attempt - 1));
    }
  }
}
