/**
 * AWS IoT Core lifecycle events (forwarded by the topic rules of the service stack): when a device connects (a
 * persistent session resumes its subscriptions without a SUBSCRIBE packet) or subscribes to its control topic
 * `e4/<hex id>`, the C2 resends it the current keys of its topics with fresh timestamps (resyncClient), so a device
 * back from more than the 10 minutes a command stays valid catches up. Local mode does the same from the embedded
 * broker (local/resyncOnReturn.ts).
 *
 * The device's MQTT client id is its thing name, `e4c2-<tenant>-<hex id>` (the device policy enforces it), which
 * names the tenant. Other events (disconnected) and other topics are ignored.
 */

import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { resyncClient } from '../../shared/c2/clients/resyncClient.js';
import { hexToBytes } from '../../shared/e4/index.js';

/** What IoT Core sends on `$aws/events/subscriptions/subscribed/<client id>` (only the fields used). */
export interface LifecycleEvent {
  readonly eventType?: string;
  readonly clientId?: string;
  readonly topics?: readonly string[];
}

const THING = /^e4c2-([a-z0-9][a-z0-9-]{0,62})-([0-9a-f]{32})$/;
const CONTROL_TOPIC = /^e4\/([0-9a-f]{32})$/;

export interface LifecycleOutcome {
  readonly resynced: number;
  readonly ignored: string | undefined;
}

export async function handleLifecycleEvent(deps: C2Deps, event: LifecycleEvent): Promise<LifecycleOutcome> {
  const type = event?.eventType;
  if (type !== 'subscribed' && type !== 'connected') return { resynced: 0, ignored: `event ${String(type)}` };
  const thing = THING.exec(String(event.clientId ?? ''));
  if (!thing) return { resynced: 0, ignored: 'client id is not a thing name of e4c2' };
  const [, tenantId, idHex] = thing as unknown as [string, string, string];
  const subscribedToOwnControlTopic = (event.topics ?? []).some((topic) => CONTROL_TOPIC.exec(topic)?.[1] === idHex);
  if (type === 'subscribed' && !subscribedToOwnControlTopic) return { resynced: 0, ignored: 'not its control topic' };
  const client = await deps.store.getClientById(tenantId, hexToBytes(idHex));
  if (!client) return { resynced: 0, ignored: 'unknown client' };
  await resyncClient(deps, { tenantId, actor: 'iot-lifecycle' }, client.name);
  return { resynced: 1, ignored: undefined };
}
