/**
 * A device enrols itself (trust on first use) with the token of an enrolment window (an `enrol` key: its key id
 * names the window): its name and its key (symmetric) or Ed25519 public key (public-key mode). No password (Argon2i
 * costs the C2 a second of CPU per call: not for callers this little trusted) and no generated key (the device
 * brings its own). Refused with ENROLMENT_CLOSED when the window is closed or expired (or the key opens none),
 * ENROLMENT_FULL when it enrolled `maxCount` devices; a name that exists is ALREADY_EXISTS.
 *
 * A slot of the window is taken first (one conditional write: never past `maxCount`, however many enrol at once),
 * given back if the client cannot be created (a crash in between leaves the count one high: a slot lost, never one
 * too many). The client is created as POST /v1/clients does (its `client.create`
 * event names the window, the actor is the enrol key), flagged `rekeyOnReturn`: when it connects and subscribes it
 * gets a new identity key (clients/acceptReturn.ts), so that a key seen at enrolment soon opens nothing. It is put
 * on the window's topics as links only (links/linkClient.ts without delivery: under each topic's lease, its mode
 * checked again, a `link.create` event each): no topic key goes out under the enrolment key; the resync that follows
 * the new identity key sends them. A topic deleted meanwhile, taken by clients of the other mode, or busy past the
 * lease's wait is skipped: the answer lists the topics linked, and the failed `link.create` event says why. A crash after the client and before its links leaves it without some topics
 * (link it by hand; the count of the window keeps its slot).
 */
import { E4Error, validateEd25519PublicKey, validateSymKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { type CreatedClient, createClient } from '../clients/createClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { refusalAudited } from '../events/audited.js';
import { linkWithoutDelivery } from '../links/linkWithoutDelivery.js';
import { refuseOtherModes } from '../links/refuseOtherModes.js';
import type { EnrolmentWindowRecord } from '../ports/EnrolmentWindowStore.js';
import type { Caller, ClientRecord, Principal } from '../ports.js';
import { enrolmentWindowStatus } from './EnrolmentWindowView.js';

export type EnrolInput =
  | { readonly name: string; readonly mode: 'symmetric'; readonly key: Uint8Array }
  | { readonly name: string; readonly mode: 'pubkey'; readonly publicKey: Uint8Array };

export interface Enrolled extends CreatedClient {
  /** The topics the client was put on (the window's that still exist). */
  readonly topics: string[];
}

export async function enrolClient(deps: C2Deps, principal: Principal, input: EnrolInput): Promise<Enrolled> {
  if (input === null || typeof input !== 'object') throw new C2Error(C2ErrorCode.InvalidInput, 'expected an object');
  const name = validateClientName(input.name);
  checkKey(input);
  const caller: Caller = { tenantId: principal.tenantId, actor: principal.actor };
  const { tenantId } = caller;
  const windowId = principal.keyId;
  const target = { type: 'client', name } as const;
  // Refusals (window, mode, name taken) are logged as failed `client.create` events; createClient logs its own.
  const window = await refusalAudited(deps, caller, 'client.create', target, async () => {
    const found = await deps.store.getEnrolmentWindow(tenantId, windowId);
    if (!found) throw new C2Error(C2ErrorCode.EnrolmentClosed, 'this key opens no enrolment window');
    refuseUnlessOpen(found, deps.clock());
    if (found.mode !== 'any' && found.mode !== input.mode) {
      throw new C2Error(C2ErrorCode.InvalidInput, `this enrolment window enrols ${found.mode} clients only`);
    }
    if (await deps.store.getClient(tenantId, name)) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `client "${name}" exists already`);
    }
    const topics = await topicsOfMode(deps, tenantId, found.topics, input.mode);
    try {
      await deps.store.takeEnrolmentSlot(tenantId, windowId, new Date(deps.clock()).toISOString());
    } catch (error) {
      if (!(error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate)) throw error;
      const now = await deps.store.getEnrolmentWindow(tenantId, windowId);
      if (now) refuseUnlessOpen(now, deps.clock());
      throw new C2Error(C2ErrorCode.EnrolmentClosed, 'the enrolment window is closed');
    }
    return { ...found, topics };
  });
  let created: CreatedClient;
  try {
    created = await createClient(deps, caller, input, {
      rekeyOnReturn: true,
      details: { enrolmentWindow: windowId, topics: window.topics },
    });
  } catch (error) {
    await deps.store.releaseEnrolmentSlot(tenantId, windowId).catch(() => undefined);
    throw error;
  }
  const linked = await linkWithoutDelivery(deps, caller, name, window.topics);
  return { ...created, topics: linked };
}

function refuseUnlessOpen(window: EnrolmentWindowRecord, now: number): void {
  const status = enrolmentWindowStatus(window, now);
  if (status === 'full') {
    throw new C2Error(C2ErrorCode.EnrolmentFull, `the enrolment window enrolled its ${window.maxCount} devices`);
  }
  if (status !== 'open') throw new C2Error(C2ErrorCode.EnrolmentClosed, `the enrolment window is ${status}`);
}

function checkKey(input: EnrolInput): void {
  try {
    if (input.mode === 'pubkey') validateEd25519PublicKey(input.publicKey);
    else if (input.mode === 'symmetric') validateSymKey(input.key);
    else throw new C2Error(C2ErrorCode.InvalidInput, '"mode" must be symmetric or pubkey');
  } catch (error) {
    if (error instanceof E4Error || error instanceof TypeError) {
      const field = input.mode === 'pubkey' ? 'publicKey' : 'key';
      throw new C2Error(C2ErrorCode.InvalidInput, `"${field}": ${error.message}`);
    }
    throw error;
  }
}

/** The window's topics that still exist; WRONG_MODE when one holds clients of the other mode. */
async function topicsOfMode(
  deps: C2Deps,
  tenantId: string,
  topics: readonly string[],
  mode: ClientRecord['mode'],
): Promise<string[]> {
  const kept: string[] = [];
  for (const topic of topics) if (await deps.store.getTopic(tenantId, topic)) kept.push(topic);
  await refuseOtherModes(deps, tenantId, kept, mode);
  return kept;
}
