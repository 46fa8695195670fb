/**
 * A tenant claims a factory device by its code (printed on its label): the device becomes the tenant's client, made
 * as POST /v1/clients does (its `client.create` event names the batch) with the factory's key re-wrapped to the
 * tenant's client, flagged `rekeyOnReturn` so that on its first connection it gets a new identity key
 * (clients/acceptReturn.ts) and the factory key stops mattering; put on `topics` as links (their keys follow the new
 * identity key). Every claim, and every refused one, is a `client.claim` event of the tenant.
 *
 * A code as typed is checked first: not a code at all, or a typo (its check character does not match), is
 * INVALID_INPUT; a well-formed code that names no device is NOT_FOUND, one message for every such code. The claim
 * takes the code by one conditional write on the device (takeFactoryDevice), so that of two claims of one code one
 * wins and the other is CLAIM_USED, then moves the E4 id from the batch to the tenant, creates the client, links it
 * and marks the claim complete (the factory's copy of the key deleted). A crash after the code was taken is
 * finished by the same tenant's retry (the device's claim names it; the client, if made, is found and kept); for
 * any other tenant the code is CLAIM_USED. No key is lost (the factory's copy goes only once the client exists) and
 * no device is owned twice (its id moves once, conditionally).
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { type ClientView, clientView } from '../clients/ClientView.js';
import { NAME_NOT_AVAILABLE } from '../clients/clientIdClaim.js';
import { createClient } from '../clients/createClient.js';
import { issuesMqttCredentials, type MqttCredentials, newMqttCredentials } from '../clients/mqttCredentials.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { platformDeps } from '../platform/platformDeps.js';
import type { Caller, ClientRecord } from '../ports.js';
import { requireTopic } from '../topics/requireTopic.js';
import { validateTopic } from '../topics/validateTopic.js';
import { claimCodeHash, parseClaimCode } from './claimCode.js';
import { factoryKeyBinding, factoryOwner } from './factoryOwner.js';

export const MAX_CLAIM_TOPICS = 20;
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
    const found = await platform.store.findClaimCode(claimCodeHash(parsed.canonical));
    const device = found && (await platform.store.getFactoryDevice(found.batchId, found.id));
    if (!found || !device) throw new C2Error(C2ErrorCode.NotFound, NO_SUCH_CODE);
    target.name = device.name;
    await refuseOtherModes(deps, caller.tenantId, topics, device.mode);
    const at = new Date(deps.clock()).toISOString();
    const outcome = await platform.store
      .takeFactoryDevice(device.batchId, device.id, caller.tenantId, at)
      .catch((error: unknown) => {
        if (error instanceof C2Error && error.code === C2ErrorCode.NotFound)
          throw new C2Error(error.code, NO_SUCH_CODE);
        throw error;
      });
    if (outcome === 'used') throw new C2Error(C2ErrorCode.ClaimUsed, 'this claim code was used');
    if (!(await deps.store.transferClientId(factoryOwner(device.batchId), caller.tenantId, device.id, at))) {
      throw new C2Error(C2ErrorCode.AlreadyExists, NAME_NOT_AVAILABLE);
    }
    const existing = await deps.store.getClient(caller.tenantId, device.name);
    let client: ClientView;
    let mqtt: MqttCredentials | undefined;
    if (existing && outcome === 'resumed') {
      // A claim of this tenant that a crash interrupted after the client was made: kept, credentials issued again.
      client = clientView(existing);
      mqtt = issuesMqttCredentials(deps) ? await newMqttCredentials(deps, caller.tenantId, existing.id) : undefined;
    } else {
      if (!device.wrappedKey) throw new C2Error(C2ErrorCode.ClaimUsed, 'this claim code was used');
      const key = await platform.vault.unwrap(
        device.wrappedKey,
        factoryKeyBinding(device.batchId, bytesToHex(device.id)),
      );
      try {
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
      } finally {
        key.fill(0);
      }
    }
    const linked = await link(deps, caller.tenantId, device.name, topics, at);
    await platform.store.completeFactoryClaim(device.batchId, device.id, caller.tenantId, at);
    return {
      value: { client, ...(mqtt ? { mqtt } : {}), topics: linked, batchId: device.batchId },
      details: { factoryBatch: device.batchId, topics: linked, ...(outcome === 'resumed' ? { resumed: true } : {}) },
    };
  });
}

/** WRONG_MODE when a topic holds clients of the other mode (a topic's clients share one, as links/linkClient.ts requires). */
async function refuseOtherModes(
  deps: C2Deps,
  tenantId: string,
  topics: readonly string[],
  mode: ClientRecord['mode'],
): Promise<void> {
  for (const topic of topics) {
    const { items } = await deps.store.listClientsOfTopic(tenantId, topic, { limit: 1 });
    const [member] = await deps.store.getClients(tenantId, items);
    if (member && member.mode !== mode) {
      throw new C2Error(C2ErrorCode.WrongMode, `topic "${topic}" has ${member.mode} clients, not ${mode} ones`);
    }
  }
}

/** Links the client to the topics that still exist (idempotent: a link written again is the same link). */
async function link(
  deps: C2Deps,
  tenantId: string,
  clientName: ClientRecord['name'],
  topics: readonly string[],
  at: string,
): Promise<string[]> {
  const linked: string[] = [];
  for (const topic of topics) {
    if (!(await deps.store.getTopic(tenantId, topic))) continue;
    await deps.store.putLink({ tenantId, topic, clientName, createdAt: at });
    linked.push(topic);
  }
  return linked;
}
