/**
 * A new C2 key pair (E4's NewC2Key): the new key is first stored as pending, then SetC2Key(new public key) goes to
 * every public-key client, however many (E4 stopped after 100 and cut the others off), protected with the current
 * key; then, if the broker accepted every one, the new key is promoted (else DELIVERY_FAILED: the key stays pending).
 * A rotation cut short is resumed by calling it again: it sends the pending key again (a device that already switched
 * cannot open the repeat, and ignores it) and promotes it.
 */
import { cmdSetC2Key } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { eachPage } from '../pages.js';
import type { C2KeyRecord, Caller } from '../ports.js';
import { type C2KeyView, getC2PublicKey } from './getC2PublicKey.js';
import { loadC2KeyRecord, newC2KeyPair } from './loadC2Key.js';

export async function rotateC2Key(
  deps: C2Deps,
  caller: Caller,
): Promise<{ c2Key: C2KeyView; delivery: DeliveryReport }> {
  const { tenantId } = caller;
  return audited(deps, caller, 'c2key.rotate', { type: 'c2key', name: 'c2' }, () =>
    withSender(deps, tenantId, async (sender) => {
      let record = await loadC2KeyRecord(deps, tenantId);
      if (!record.pending) {
        const pending = await newC2KeyPair(deps, tenantId, record.keyVersion + 1);
        const withPending: C2KeyRecord = { ...record, pending, updatedAt: new Date(deps.clock()).toISOString() };
        await deps.store.replaceC2Key(withPending, { keyVersion: record.keyVersion, pendingVersion: undefined });
        record = withPending;
      }
      const pending = record.pending!;
      const command = cmdSetC2Key(pending.publicKey);
      for await (const clients of eachPage((page) => deps.store.listClients(tenantId, page))) {
        const pubKeyClients = clients.filter((client) => client.mode === 'pubkey');
        await sender.send(pubKeyClients.map((client) => ({ client, command })));
      }
      const sent = sender.report();
      if (sent.failed.length > 0) {
        // Promoting now would cut off the clients that did not get the new key (E4's bug 1, in another form).
        throw new C2Error(
          C2ErrorCode.DeliveryFailed,
          `SetC2Key was not accepted for ${sent.sent - sent.delivered} of ${sent.sent} clients (first: ` +
            `"${sent.failed[0]!.client}": ${sent.failed[0]!.error}); the new key stays pending: call again to resend it`,
        );
      }
      const promoted: C2KeyRecord = {
        tenantId,
        publicKey: pending.publicKey,
        wrappedKey: pending.wrappedKey,
        keyVersion: pending.keyVersion,
        createdAt: record.createdAt,
        updatedAt: new Date(deps.clock()).toISOString(),
      };
      await deps.store.replaceC2Key(promoted, { keyVersion: record.keyVersion, pendingVersion: pending.keyVersion });
      const delivery = sender.report();
      return {
        value: { c2Key: await getC2PublicKey(deps, caller), delivery },
        details: { keyVersion: pending.keyVersion, delivery },
      };
    }),
  );
}
