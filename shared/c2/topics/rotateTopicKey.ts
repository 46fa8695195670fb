/**
 * Rotates a topic's key: a new random key (version + 1) is stored, then SetTopicKey goes to every linked client.
 * Devices keep the previous key for an hour (E4's key transition), so messages in flight still open. Runs under
 * the topic's lease (see withTopicLease.ts). If the fan-out is cut short (crash), devices that missed the new key
 * get it when the rotation is retried (a new key, sent to all).
 */
import { cmdSetTopicKey, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { type CommandSender, withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { forEachClientOfTopic } from '../delivery/forEachClientOfTopic.js';
import { audited } from '../events/audited.js';
import type { Caller, TopicRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { requireTopic } from './requireTopic.js';
import { type TopicView, topicView } from './TopicView.js';
import { validateTopic } from './validateTopic.js';
import { withTopicLease } from './withTopicLease.js';

export interface RotatedTopic {
  readonly topic: TopicView;
  readonly delivery: DeliveryReport;
}

export async function rotateTopicKey(deps: C2Deps, caller: Caller, topicName: string): Promise<RotatedTopic> {
  const topic = validateTopic(topicName);
  return audited(deps, caller, 'topic.rotate', { type: 'topic', name: topic }, () =>
    withTopicLease(deps, caller.tenantId, topic, () =>
      withSender(deps, caller.tenantId, async (sender) => {
        const record = await requireTopic(deps, caller.tenantId, topic);
        const rotated = await rotateUnderLease(deps, sender, record);
        const delivery = sender.report();
        return {
          value: { topic: topicView(rotated), delivery },
          details: { keyVersion: rotated.keyVersion, delivery },
        };
      }),
    ),
  );
}

/**
 * The rotation itself, for a caller holding the topic's lease (rotation, unlink with re-key). `leaving`: a client
 * still linked that must not get the new key (unlink re-keys before deleting the link, so that a crash in between
 * leaves the link in place and the unlink can be run again).
 */
export async function rotateUnderLease(
  deps: C2Deps,
  sender: CommandSender,
  record: TopicRecord,
  leaving?: string,
): Promise<TopicRecord> {
  const { tenantId, topic } = record;
  const key = randomBytesOf(deps)(KEY_LEN);
  const command = cmdSetTopicKey(key, topic);
  try {
    const keyVersion = record.keyVersion + 1;
    const updatedAt = new Date(deps.clock()).toISOString();
    const wrappedKey = await deps.vault.wrap(key, { tenantId, kind: 'topic', name: topic, version: keyVersion });
    await deps.store.updateTopicKey(tenantId, topic, {
      wrappedKey,
      keyVersion,
      expectedVersion: record.keyVersion,
      updatedAt,
    });
    await forEachClientOfTopic(deps, tenantId, topic, async (clients) => {
      const staying = leaving === undefined ? clients : clients.filter((client) => client.name !== leaving);
      await sender.send(staying.map((client) => ({ client, command })));
    });
    return { ...record, wrappedKey, keyVersion, updatedAt };
  } finally {
    key.fill(0);
    command.fill(0);
  }
}
