/**
 * The first receipts of devices not heard from before: topic operations write no reference for such a device
 * (sendTopicKeyPage.ts), so its command is looked for among the deliveries of the operations that gave the client's
 * topics their current keys (its first {@link TOPICS_MATCHED} topics). A match sets the receipt's reference as a
 * stored one would. For a batch: each client's topics listed once, each topic read once, and the deliveries of one
 * operation read together.
 */
import { equalBytes } from '../../../e4/index.js';
import type { C2Deps } from '../../C2Deps.js';
import { memo } from '../../memo.js';
import type { TopicRecord } from '../../ports.js';
import type { ReceiptInBatch } from './ReceiptInBatch.js';

/** How many of a client's topics a first receipt is matched through. */
export const TOPICS_MATCHED = 100;

export async function matchThroughTopics(
  deps: C2Deps,
  tenantId: string,
  receipts: readonly ReceiptInBatch[],
): Promise<void> {
  const topicsOf = memo((name: string) =>
    deps.store.listTopicsOfClient(tenantId, name, { limit: TOPICS_MATCHED }).then((page) => page.items),
  );
  const topic = memo((name: string) => deps.store.getTopic(tenantId, name));
  const candidates = new Map<string, { receipt: ReceiptInBatch; topic: TopicRecord }[]>();
  await Promise.all(
    receipts.map(async (receipt) => {
      const topics = await Promise.all((await topicsOf(receipt.client!.name)).map(topic));
      for (const record of topics) {
        if (!record?.keyOperationId) continue;
        const group = candidates.get(record.keyOperationId) ?? [];
        group.push({ receipt, topic: record });
        candidates.set(record.keyOperationId, group);
      }
    }),
  );
  await Promise.all(
    [...candidates].map(async ([operationId, group]) => {
      const names = group.map(({ receipt }) => receipt.client!.name);
      const deliveries = await deps.operations!.getDeliveries(tenantId, operationId, names);
      const byName = new Map(deliveries.map((delivery) => [delivery.clientName, delivery]));
      for (const { receipt, topic: record } of group) {
        const { client, commandHash } = receipt;
        const delivery = byName.get(client!.name);
        if (receipt.ref || !delivery?.commandHash || !equalBytes(delivery.commandHash, commandHash!)) continue;
        receipt.ref = {
          tenantId,
          clientId: client!.id,
          commandHash: commandHash!,
          operationId,
          clientName: client!.name,
          at: delivery.updatedAt,
          topicKey: { topic: record.topic, keyVersion: record.keyVersion },
        };
      }
    }),
  );
}
