/**
 * A receipt that confirms a topic key sent by another operation than the one that made it (a resync sends a device
 * back from offline the topic's current key: docs/protocol.md, section 11) confirms the device's delivery in the
 * operation that made it too: the topic's `keyOperationId`, while the topic's current key is still the version the
 * command carried (an older rotation's key was never confirmed: it stays as it is). So an operation shows, device by
 * device, who holds its key, however it reached them. The delivery moves from `sent` or `failed` (and from `pending`,
 * a resend due, for a device known to send receipts before this batch: its operation's outcomes are conditional
 * writes then, see sendTopicKeyPage.ts) to `confirmed` with `confirmedVia` naming the operation whose command was
 * confirmed; never created (a device linked since is not one of its devices). Its status is left as it is (a
 * `succeeded` one stays so, its confirmed count rises). Done for duplicates too (it repeats what a crash cut short);
 * conditional, so a replay changes nothing. Per batch: each topic read once, one addition to the counts per
 * operation (as acceptReceipts.ts counts its own).
 */
import type { C2Deps } from '../../C2Deps.js';
import { groupBy } from '../../groupBy.js';
import { memo } from '../../memo.js';
import type { CountsDelta } from '../../ports/OperationStore.js';
import { allUndecided, eachUndecided, type ReceiptInBatch, undecided } from './ReceiptInBatch.js';
import { withRetries } from './withRetries.js';

export async function confirmKeyOperation(
  deps: C2Deps,
  tenantId: string,
  receipts: readonly ReceiptInBatch[],
  at: string,
): Promise<void> {
  const operations = deps.operations!;
  const topic = memo((name: string) => deps.store.getTopic(tenantId, name));
  await eachUndecided(receipts, async (receipt) => {
    const { ref, later, topicKey, client } = receipt;
    if (!ref || later || !topicKey) return undefined;
    const record = await topic(topicKey.topic);
    const maker = record?.keyOperationId;
    if (maker === undefined || maker === ref.operationId || record?.keyVersion !== topicKey.keyVersion)
      return undefined;
    const known = client!.lastSeenAt !== undefined;
    const from = await operations.confirmDelivery(tenantId, maker, ref.clientName, {
      from: known ? ['sent', 'failed', 'pending'] : ['sent', 'failed'],
      via: ref.operationId,
      updatedAt: at,
    });
    if (from) receipt.through = { operationId: maker, from };
    return undefined;
  });
  const moved = undecided(receipts).filter((receipt) => receipt.through !== undefined);
  const byOperation = groupBy(moved, (receipt) => receipt.through!.operationId);
  await Promise.all(
    [...byOperation].map(([operationId, group]) =>
      allUndecided(group, async () => {
        // A device heard from for the first time now was not counted as able to confirm when the key went out.
        const first = group.filter(({ client }) => client!.lastSeenAt === undefined).length;
        const delta: Record<string, number> = { confirmed: group.length, confirmable: first };
        for (const { through } of group) delta[through!.from] = (delta[through!.from] ?? 0) - 1;
        await withRetries(() => operations.addToCounts(tenantId, operationId, delta as CountsDelta, at));
      }),
    ),
  );
}
