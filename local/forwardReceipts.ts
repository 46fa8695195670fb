/**
 * Receipts in local mode: what devices publish on `e4/<32 hex>/receipt` goes to the work queue as a receipt message
 * of the device's tenant (`tenant`: one for every device, or deviceTenant.ts's, by the E4 id's claim; the worker's
 * acceptReceipts confirms the delivery). One path per broker: the embedded broker
 * hands over every such publish itself, before acknowledging it (startEmbeddedBroker's `onPublish`); with an external
 * broker the C2 subscribes to `e4/+/receipt` (MqttReceiptSubscriber). Receipts handed over in the same turn of the
 * event loop (many devices answering one fan-out) are stored with one write of the queue.
 */
import { Buffer } from 'node:buffer';
import type { ReceiptMessage, WorkQueue } from '../shared/c2/ports/WorkQueue.js';
import type { DeviceTenant } from './deviceTenant.js';
import { LocalModeError, LocalModeErrorCode } from './LocalModeError.js';

const RECEIPT_TOPIC = /^e4\/([0-9a-f]{32})\/receipt$/;

/** Enqueues the publish when it is a receipt (resolves once the queue stored it); ignores any other topic. */
export type ReceiptForwarder = (topic: string, payload: Uint8Array) => Promise<void>;

export function receiptForwarder(queue: WorkQueue | undefined, tenant: string | DeviceTenant): ReceiptForwarder {
  const tenantOf: DeviceTenant = typeof tenant === 'string' ? async () => tenant : tenant;
  if (!queue) {
    throw new LocalModeError(
      LocalModeErrorCode.NoWorkQueue,
      'device receipts need the work queue of local mode (deps.queue), and this C2 was composed without one',
    );
  }
  let gathered: { messages: ReceiptMessage[]; stored: Promise<void> } | undefined;
  return async (topic, payload) => {
    const clientIdHex = RECEIPT_TOPIC.exec(topic)?.[1];
    if (clientIdHex === undefined) return;
    const tenantId = await tenantOf(clientIdHex);
    const base64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
    if (!gathered) {
      const messages: ReceiptMessage[] = [];
      const stored = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        gathered = undefined;
        return queue.enqueue(messages);
      });
      gathered = { messages, stored };
    }
    gathered.messages.push({ type: 'receipt', tenantId, clientIdHex, payload: base64 });
    await gathered.stored;
  };
}
