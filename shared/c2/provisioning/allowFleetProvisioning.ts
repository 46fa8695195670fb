/**
 * The decision of the pre-provisioning hook of AWS IoT fleet provisioning by claim: a device holding the factory's
 * claim certificate asks IoT Core for its own certificate and thing (RegisterThing), and IoT Core asks this first.
 * Allowed only for a device the tenant enrolled or claimed: the parameters name the tenant (`TenantId`) and the
 * client (`ClientId`, its E4 id in hex, or `ClientName`); the client must exist in that tenant (an active one), must
 * not be provisioned already (no thing of its E4 id), and the device must prove that it holds its E4 key (`Proof`,
 * provisioningProof.ts, over the new certificate's id; the key in force or a new one not yet confirmed). An allowed
 * device gets `TenantId` and `ClientId` pinned to the client's (parameterOverrides), from which the template names
 * the thing as the C2's provisioner does (`e4c2-<tenant>-<hex id>`, attributes tenant and e4id).
 *
 * The checks run in this order: the tenant, the client, the proof, then whether this deployment provisions things at
 * all and whether the client has one already; so no refusal after the proof is reached without a proof that holds.
 *
 * Never throws: bad input or a failure (store, KMS, IoT) is a refusal with its reason. Every decision on a client
 * that exists, of a tenant not being deleted, goes to that tenant's event log (`device.provision`, target the
 * client, result ok or error with the refusal in its details); a refusal naming no existing client is only logged
 * by the caller (a claim certificate is shared by a batch and tenant ids are not secret: whoever holds one would
 * otherwise write refusals under names of their choosing into any tenant's log). An allowance whose event cannot be
 * written is a refusal (the device asks again): no device is provisioned unrecorded. No key bytes anywhere.
 */
import { bytesToHex, hashIdAlias, hexToBytes } from '../../e4/index.js';
import { TENANT_ID_PATTERN } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { pendingBinding } from '../clients/newClientKey.js';
import { openClientKey } from '../clients/requireClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2ErrorCode } from '../errors.js';
import { newEventId } from '../events/audited.js';
import type { ClientRecord, EventRecord } from '../ports.js';
import { tenantDeps } from '../tenants/tenantDeps.js';
import { proofHolds } from './provisioningProof.js';

/** The template's parameters the hook reads (infra/constructs/FleetProvisioning.ts declares the same names). */
export const PROVISIONING_PARAMETERS = {
  tenantId: 'TenantId',
  clientId: 'ClientId',
  clientName: 'ClientName',
  proof: 'Proof',
} as const;

/** Who the event log names as the actor of a fleet provisioning. */
export const FLEET_PROVISIONING_ACTOR = 'fleet-provisioning';
export const DEVICE_PROVISION_ACTION = 'device.provision';

export type RefusalReason =
  | 'malformed'
  | 'tenant-inactive'
  | 'unknown-client'
  | 'bad-proof'
  | 'already-provisioned'
  | 'not-configured'
  | 'failed';

/** The error code an event records for each refusal. */
const ERROR_CODE_OF: Readonly<Record<RefusalReason, string>> = {
  malformed: C2ErrorCode.InvalidInput,
  'tenant-inactive': C2ErrorCode.TenantSuspended,
  'unknown-client': C2ErrorCode.NotFound,
  'bad-proof': C2ErrorCode.InvalidInput,
  'already-provisioned': C2ErrorCode.AlreadyExists,
  'not-configured': 'INTERNAL',
  failed: 'INTERNAL',
};

export type FleetProvisioningDecision =
  | {
      readonly allow: true;
      readonly tenantId: string;
      readonly clientName: string;
      readonly parameterOverrides: Readonly<Record<string, string>>;
    }
  | {
      readonly allow: false;
      readonly reason: RefusalReason;
      /** Why, for the function's log: names and ids only. */
      readonly message: string;
      readonly tenantId?: string;
      /** The failure behind a `failed` refusal (for the log). */
      readonly cause?: unknown;
    };

/** What IoT Core expects back from the hook. */
export interface PreProvisioningHookAnswer {
  readonly allowProvisioning: boolean;
  readonly parameterOverrides?: Readonly<Record<string, string>>;
}

export const hookAnswerOf = (decision: FleetProvisioningDecision): PreProvisioningHookAnswer =>
  decision.allow
    ? { allowProvisioning: true, parameterOverrides: decision.parameterOverrides }
    : { allowProvisioning: false };

const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
const ID_HEX = /^[0-9a-f]{32}$/;

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

interface Request {
  readonly tenantId: string;
  readonly certificateId: string;
  readonly claimCertificateId?: string;
  readonly clientId?: string;
  readonly clientName?: string;
  readonly proof: string;
}

/** `deps`: the function's own (the tenants registry); a tenant's records are reached through `tenantDeps`. */
export async function allowFleetProvisioning(deps: C2Deps, event: unknown): Promise<FleetProvisioningDecision> {
  let request: Request;
  try {
    request = parseEvent(event);
  } catch (error) {
    return refusalOf(error);
  }
  const { tenantId } = request;
  let audit: ((refusal?: Refusal) => Promise<void>) | undefined;
  try {
    const tenant = await deps.store.getTenant(tenantId);
    const inactive = () => new Refusal('tenant-inactive', `tenant ${tenantId} is ${tenant?.status}`);
    // A tenant being deleted (or deleted) gets no new records, not even a refusal's.
    if (tenant?.status === 'deleting' || tenant?.status === 'deleted') throw inactive();
    const scoped = tenantDeps(deps, tenantId);
    const client = await findClient(scoped, request);
    if (client) audit = (refusal) => writeDecision(scoped, request, client, refusal);
    if (tenant && tenant.status !== 'active') throw inactive();
    if (!client) throw new Refusal('unknown-client', `tenant ${tenantId} has no such client`);
    const idHex = bytesToHex(client.id);
    if (!(await provesKey(scoped, client, request))) {
      throw new Refusal(
        'bad-proof',
        `the proof of client ${idHex} does not hold for certificate ${request.certificateId}`,
      );
    }
    if (!scoped.provisioner) throw new Refusal('not-configured', 'this deployment provisions no IoT Core things');
    if (await scoped.provisioner.isProvisioned(tenantId, { idHex })) {
      throw new Refusal('already-provisioned', `client ${idHex} of tenant ${tenantId} is provisioned already`);
    }
    await audit?.();
    return {
      allow: true,
      tenantId,
      clientName: client.name,
      parameterOverrides: { [PROVISIONING_PARAMETERS.tenantId]: tenantId, [PROVISIONING_PARAMETERS.clientId]: idHex },
    };
  } catch (error) {
    const refusal = refusalOf(error, tenantId);
    // A refusal not recorded is still a refusal (the function logs each one); a failure is recorded as one.
    const recorded = error instanceof Refusal ? error : new Refusal('failed', 'the decision failed');
    await audit?.(recorded).catch(() => undefined);
    return refusal;
  }
}

function refusalOf(error: unknown, tenantId?: string): FleetProvisioningDecision {
  const base = tenantId === undefined ? {} : { tenantId };
  if (error instanceof Refusal) return { allow: false, reason: error.reason, message: error.message, ...base };
  return { allow: false, reason: 'failed', message: 'the decision failed', cause: error, ...base };
}

function parseEvent(event: unknown): Request {
  if (event === null || typeof event !== 'object') throw new Refusal('malformed', 'the event is not an object');
  const { certificateId, claimCertificateId, parameters } = event as Record<string, unknown>;
  if (typeof certificateId !== 'string' || !CERTIFICATE_ID.test(certificateId)) {
    throw new Refusal('malformed', 'the event has no certificateId of 64 hex digits');
  }
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new Refusal('malformed', 'the event has no parameters object');
  }
  const p = parameters as Record<string, unknown>;
  const tenantId = p[PROVISIONING_PARAMETERS.tenantId];
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new Refusal('malformed', `parameter ${PROVISIONING_PARAMETERS.tenantId} is not a tenant id`);
  }
  const clientId = nonEmpty(p[PROVISIONING_PARAMETERS.clientId]);
  const clientName = nonEmpty(p[PROVISIONING_PARAMETERS.clientName]);
  if (clientId === undefined && clientName === undefined) {
    throw new Refusal(
      'malformed',
      `parameter ${PROVISIONING_PARAMETERS.clientId} or ${PROVISIONING_PARAMETERS.clientName} is missing`,
    );
  }
  if (clientId !== undefined && (typeof clientId !== 'string' || !ID_HEX.test(clientId))) {
    throw new Refusal('malformed', `parameter ${PROVISIONING_PARAMETERS.clientId} is not 32 lowercase hex digits`);
  }
  if (clientName !== undefined) {
    try {
      validateClientName(clientName);
    } catch {
      throw new Refusal('malformed', `parameter ${PROVISIONING_PARAMETERS.clientName} is not a client name`);
    }
  }
  const proof = p[PROVISIONING_PARAMETERS.proof];
  if (typeof proof !== 'string')
    throw new Refusal('malformed', `parameter ${PROVISIONING_PARAMETERS.proof} is missing`);
  return {
    tenantId,
    certificateId,
    ...(typeof claimCertificateId === 'string' && CERTIFICATE_ID.test(claimCertificateId)
      ? { claimCertificateId }
      : {}),
    ...(clientId === undefined ? {} : { clientId: clientId as string }),
    ...(clientName === undefined ? {} : { clientName: clientName as string }),
    proof,
  };
}

/** A parameter given (an empty string, a template default, is not). */
const nonEmpty = (value: unknown): unknown => (value === undefined || value === '' ? undefined : value);

/** The client the request names; with both a name and an id, they must be the same client's. */
async function findClient(deps: C2Deps, request: Request): Promise<ClientRecord | undefined> {
  const { tenantId, clientId, clientName } = request;
  if (clientName !== undefined) {
    if (clientId !== undefined && bytesToHex(hashIdAlias(clientName)) !== clientId) return undefined;
    return deps.store.getClient(tenantId, clientName);
  }
  return deps.store.getClientById(tenantId, hexToBytes(clientId!));
}

/** The proof checked against the key in force, then against a new one sent but not yet confirmed (if any). */
async function provesKey(deps: C2Deps, client: ClientRecord, request: Request): Promise<boolean> {
  const holds = async (open: () => Promise<Uint8Array>, toVerifying: (key: Uint8Array) => Uint8Array) => {
    const key = await open();
    try {
      return proofHolds(client.mode, toVerifying(key), request.certificateId, request.proof, deps.engine);
    } finally {
      key.fill(0);
    }
  };
  if (
    await holds(
      () => openClientKey(deps, client),
      (key) => key,
    )
  )
    return true;
  const { pending } = client;
  if (!pending) return false;
  // A pending public-key identity is the Go-format private key (seed ‖ public key): its last 32 bytes verify.
  return holds(
    () => deps.vault.unwrap(pending.wrappedKey, pendingBinding(client, pending.keyVersion)),
    (key) => (client.mode === 'pubkey' ? key.slice(32) : key),
  );
}

async function writeDecision(deps: C2Deps, request: Request, client: ClientRecord, refusal?: Refusal): Promise<void> {
  const at = new Date(deps.clock()).toISOString();
  const details = {
    certificateId: request.certificateId,
    ...(request.claimCertificateId ? { claimCertificateId: request.claimCertificateId } : {}),
    clientId: bytesToHex(client.id),
    ...(refusal ? { refusal: refusal.reason } : {}),
  };
  const event: EventRecord = {
    tenantId: request.tenantId,
    id: newEventId(deps, at),
    at,
    actor: FLEET_PROVISIONING_ACTOR,
    action: DEVICE_PROVISION_ACTION,
    target: { type: 'client', name: client.name },
    result: refusal ? 'error' : 'ok',
    ...(refusal ? { errorCode: ERROR_CODE_OF[refusal.reason] } : {}),
    details,
  };
  await deps.store.appendEvent(event);
}
