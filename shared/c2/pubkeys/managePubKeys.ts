/**
 * Public-key mode, by hand (E4's SendClientPubKey, RemoveClientPubKey, ResetClientPubKeys): give a client the
 * public key of another, make it forget one, or forget all. Clients that share a topic get each other's keys
 * without these (see links/sharePubKeys.ts). Both clients must be public-key clients (else WRONG_MODE).
 */
import { cmdRemovePubKey, cmdResetPubKeys, cmdSetPubKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { openClientKey, requireClient } from '../clients/requireClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller, ClientRecord } from '../ports.js';

export interface PubKeyInput {
  /** The client that receives the command. */
  readonly target: string;
  /** The client whose public key it is about. */
  readonly source: string;
}

export function sendPubKey(deps: C2Deps, caller: Caller, input: PubKeyInput): Promise<{ delivery: DeliveryReport }> {
  return pubKeyCommand(deps, caller, 'pubkey.send', input, async (_, source) => {
    const publicKey = await openClientKey(deps, source!);
    try {
      return cmdSetPubKey(publicKey, source!.name);
    } finally {
      publicKey.fill(0);
    }
  });
}

export function removePubKey(deps: C2Deps, caller: Caller, input: PubKeyInput): Promise<{ delivery: DeliveryReport }> {
  return pubKeyCommand(deps, caller, 'pubkey.remove', input, async (_, source) => cmdRemovePubKey(source!.name));
}

export function resetPubKeys(deps: C2Deps, caller: Caller, target: string): Promise<{ delivery: DeliveryReport }> {
  return pubKeyCommand(deps, caller, 'pubkey.reset', { target }, async () => cmdResetPubKeys());
}

async function pubKeyCommand(
  deps: C2Deps,
  caller: Caller,
  action: string,
  input: { target: string; source?: string },
  build: (target: ClientRecord, source: ClientRecord | undefined) => Promise<Uint8Array>,
): Promise<{ delivery: DeliveryReport }> {
  const targetName = validateClientName(input?.target);
  const sourceName = input.source === undefined ? undefined : validateClientName(input.source);
  const { tenantId } = caller;
  const name = sourceName === undefined ? targetName : `${targetName} ${sourceName}`;
  return audited(deps, caller, action, { type: 'client', name }, () =>
    withSender(deps, tenantId, async (sender) => {
      const target = requirePubKeyMode(await requireClient(deps, tenantId, targetName));
      const source =
        sourceName === undefined ? undefined : requirePubKeyMode(await requireClient(deps, tenantId, sourceName));
      const command = await build(target, source);
      const delivery = await sender.send([{ client: target, command }]);
      return { value: { delivery }, details: { delivery } };
    }),
  );
}

function requirePubKeyMode(client: ClientRecord): ClientRecord {
  if (client.mode !== 'pubkey') {
    throw new C2Error(C2ErrorCode.WrongMode, `client "${client.name}" is not a public-key client`);
  }
  return client;
}
