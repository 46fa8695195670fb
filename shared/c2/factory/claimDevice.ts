/**
 * A tenant claims a factory device by its code (printed on its label): the device becomes the tenant's client, made
 * as POST /v1/clients does (its `client.create` event names the batch) with the factory's key re-wrapped to the
 * tenant's client, flagged `rekeyOnReturn` so that on its first connection it gets a new identity key
 * (clients/acceptReturn.ts) and the factory key stops mattering; put on `topics` as links (their keys follow the new
 * identity key) as links/linkClient.ts does without delivery (under each topic's lease, its mode checked again, a
 * `link.create` event each; a topic deleted meanwhile, taken by clients of the other mode or busy past the lease's
 * wait is skipped, as enrolment/enrolClient.ts does: the answer lists the topics linked). Every claim, and every
 * refused one, is a `client.claim` event of the tenant.
 *
 * A code as typed is checked first: not a code at all, or a typo (its check character does not match), is
 * INVALID_INPUT; a well-formed code that names no device is NOT_FOUND, one message for every such code (a code whose
 * device is gone, left by a delete that stopped midway, or that was replaced by a new one, is deleted then). A topic
 * of clients of the other mode is
 * WRONG_MODE before anything is taken (as enrolment does; linkClient checks again under the lease). The claim
 * takes the code by one conditional write on the device (takeFactoryDevice), so that of two claims of one code one
 * wins and the other is CLAIM_USED, then moves the E4 id from the batch to the tenant, creates the client, links it
 * and marks the claim complete (the factory's copy of the key deleted). A crash after the code was taken is
 * finished by the same tenant's retry (the device's claim names it; the client, if made, is found and kept only if
 * its key is the factory's, compared in constant time: a client of that name the tenant made meanwhile is
 * ALREADY_EXISTS, the factory's key kept); for any other tenant the code is CLAIM_USED. Should another owner hold the
 * device's E4 id (the batch lost its reservation), the claim gives the code back (the device unclaimed again) and is
 * ALREADY_EXISTS {@link NAME_HELD_ELSEWHERE}. No key is lost (the factory's copy goes only once the client exists) and
 * no device is owned twice (its id moves once, conditionally).
 */
import { bytesToHex, equalBytes } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { type ClientView, clientView } from '../clients/ClientView.js';
import { createClient } from '../clients/createClient.js';
import { issuesMqttCredentials, type MqttCredentials, newMqttCredentials } from '../clients/mqttCredentials.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { linkWithoutDelivery } from '../links/linkWithoutDelivery.js';
import { refuseOtherModes } from '../links/refuseOtherModes.js';
import { platformDeps } from '../platform/platformDeps.js';
import type { Caller, ClientRecord } from '../ports.js';
import { requireTopic } from '../topics/requireTopic.js';
import { validateTopic } from '../topics/validateTopic.js';
import { claimCodeHash, parseClaimCode } from './claimCode.js';
import { factoryKeyBinding, factoryOwner } from './factoryOwner.js';

export const MAX_CLAIM_TOPICS = 20;
/** The answer to a claim whose device's name (E4 id) another owner holds: the code is given back. */
export const NAME_HELD_ELSEWHERE = "this device's name is held by another owner: ask the manufacturer";
/** The answer to every well-formed code that names no device. */
export const NO_SUCH_CODE = 'no device has this claim code';

export interface ClaimInput {
  readonly code: string;
  readonly topics?: readonly string[];
}

export interface ClaimedDevice {
  readonly client: ClientView;
  readonly mqtt?: MqttCredentials;
  /** The topics it was put on. */
  readonly topics: string[];
  readonly batchId: string;
}

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

export async function claimDevice(deps: C2Deps, caller: Caller, input: ClaimInput): Promise<ClaimedDevice> {
  // The device's name once known: a refusal before names none ("-"), never the code.
  const target: { type: 'client'; name: string } = { type: 'client', name: '-' };
  return audited(deps, caller, 'client.claim', target, async () => {
    if (input === null || typeof input !== 'object') throw invalid('expected an object');
    const parsed = parseClaimCode(input.code);
    if (!parsed.ok && parsed.reason === 'typo') {
      throw invalid('this claim code has a typo (its check character does not match): check it character by character');
    }
    if (!parsed.ok) throw invalid('"code" must be a claim code: 25 characters of 0-9 and A-Z, in groups of five');
    const topics = [...new Set((input.topics ?? []).map(validateTopic))];
    if (topics.length > MAX_CLAIM_TOPICS) throw invalid(`"topics" holds at most ${MAX_CLAIM_TOPICS} topics`);
    for (const topic of topics) await requireTopic(deps, caller.tenantId, topic);
    const platform = platformDeps(deps);
    const codeHash = claimCodeHash(parsed.canonical);
    const found = await platform.store.findClaimCode(codeHash);
    const held = found && (await platform.store.getFactoryDevice(found.batchId, found.id));
    // A code replaced by a new one (reissueClaimCode.ts) names a device that holds another hash: dead.
    const device = held && equalBytes(held.codeHash, codeHash) ? held : undefined;
    if (found && !device) await platform.store.deleteClaimCode(codeHash);
    if (!found || !device) throw new C2Error(C2ErrorCode.NotFound, NO_SUCH_CODE);
    target.name = device.name;
    await refuseOtherModes(deps, caller.tenantId, topics, device.mode);
    const at = new Date(deps.clock()).toISOString();
    const outcome = await platform.store
      .takeFactoryDevice(device.batchId, device.id, codeHash, caller.tenantId, at)
      .catch((error: unknown) => {
        if (error instanceof C2Error && error.code === C2ErrorCode.NotFound)
          throw new C2Error(error.code, NO_SUCH_CODE);
        throw error;
      });
    if (outcome === 'used') throw new C2Error(C2ErrorCode.ClaimUsed, 'this claim code was used');
    if (!(await deps.store.transferClientId(factoryOwner(device.batchId), caller.tenantId, device.id, at))) {
      // On a retry, an id the tenant freed meanwhile (it deleted a client of that name) is claimed by createClient.
      const free = outcome === 'resumed' && (await deps.store.getClientIdClaim(device.id)) === undefined;
      if (!free) {
        // Another owner holds the id (the batch lost its reservation): the claim cannot go on, the code is given back.
        await platform.store.releaseFactoryClaim(device.batchId, device.id, caller.tenantId);
        throw new C2Error(C2ErrorCode.AlreadyExists, NAME_HELD_ELSEWHERE);
      }
    }
    const existing = await deps.store.getClient(caller.tenantId, device.name);
    if (!device.wrappedKey) throw new C2Error(C2ErrorCode.ClaimUsed, 'this claim code was used');
    let client: ClientView;
    let mqtt: MqttCredentials | undefined;
    const key = await platform.vault.unwrap(
      device.wrappedKey,
      factoryKeyBinding(device.batchId, bytesToHex(device.id)),
    );
    try {
      if (existing && outcome === 'resumed') {
        // A claim of this tenant that a crash interrupted after the client was made: kept, credentials issued
        // again; unless the client is not the device (the tenant made one of that name meanwhile).
        if (!(await holdsKey(deps, existing, device.mode, key))) {
          throw new C2Error(
            C2ErrorCode.AlreadyExists,
            `client "${device.name}" exists with another key: delete it and claim again`,
          );
        }
        client = clientView(existing);
        mqtt = issuesMqttCredentials(deps) ? await newMqttCredentials(deps, caller.tenantId, existing.id) : undefined;
      } else {
        const created = await createClient(
          deps,
          caller,
          device.mode === 'pubkey'
            ? { name: device.name, mode: 'pubkey', publicKey: key }
            : { name: device.name, mode: 'symmetric', key },
          { rekeyOnReturn: true, details: { factoryBatch: device.batchId } },
        );
        client = created.client;
        mqtt = created.mqtt;
      }
    } finally {
      key.fill(0);
    }
    const linked = await linkWithoutDelivery(deps, caller, device.name, topics);
    await platform.store.completeFactoryClaim(device.batchId, device.id, caller.tenantId, at);
    return {
      value: { client, ...(mqtt ? { mqtt } : {}), topics: linked, batchId: device.batchId },
      details: { factoryBatch: device.batchId, topics: linked, ...(outcome === 'resumed' ? { resumed: true } : {}) },
    };
  });
}

/** Whether a client holds the factory's key (its own, or public key), compared in constant time. */
async function holdsKey(
  deps: C2Deps,
  record: ClientRecord,
  mode: ClientRecord['mode'],
  key: Uint8Array,
): Promise<boolean> {
  if (record.mode !== mode) return false;
  const { tenantId, name, keyVersion } = record;
  const stored = await deps.vault.unwrap(record.wrappedKey, { tenantId, kind: 'client', name, version: keyVersion });
  try {
    return equalBytes(stored, key);
  } finally {
    stored.fill(0);
  }
}
