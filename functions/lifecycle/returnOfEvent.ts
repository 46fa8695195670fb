/**
 * What an AWS IoT Core lifecycle event says about a device of the C2: it is back (a `return` message for the worker,
 * see shared/c2/clients/acceptReturn.ts) when it connected (a persistent session resumes its subscriptions without
 * a SUBSCRIBE packet) or subscribed to its control topic `e4/<hex id>`. Anything else is ignored, with why.
 *
 * The device's MQTT client id is its thing name, `e4c2-<tenant>-<hex id>` (the device policy enforces it), which
 * names the tenant. The rules of the service stack forward only events of such client ids (infra/constructs/
 * LifecycleEventRules.ts); this check stands on its own all the same.
 */
import type { ReturnMessage } from '../../shared/c2/ports/WorkQueue.js';

/** An event as IoT Core publishes it on `$aws/events/...` (only the fields used). */
export interface LifecycleEvent {
  readonly eventType?: unknown;
  readonly clientId?: unknown;
  /** Milliseconds since the epoch. */
  readonly timestamp?: unknown;
  readonly topics?: unknown;
}

const THING = /^e4c2-([a-z0-9][a-z0-9-]{0,62})-([0-9a-f]{32})$/;
const CONTROL_TOPIC = /^e4\/([0-9a-f]{32})$/;

export function returnOfEvent(event: LifecycleEvent | undefined, now: number): ReturnMessage | { ignored: string } {
  const type = event?.eventType;
  if (type !== 'subscribed' && type !== 'connected') return { ignored: `event ${String(type)}` };
  const thing = THING.exec(String(event?.clientId ?? ''));
  if (!thing) return { ignored: 'client id is not a thing name of e4c2' };
  const [, tenantId, clientIdHex] = thing as unknown as [string, string, string];
  const topics = Array.isArray(event?.topics) ? (event.topics as unknown[]) : [];
  const ownControlTopic = topics.some((topic) => CONTROL_TOPIC.exec(String(topic))?.[1] === clientIdHex);
  if (type === 'subscribed' && !ownControlTopic) return { ignored: 'not its control topic' };
  const at = typeof event?.timestamp === 'number' && Number.isSafeInteger(event.timestamp) ? event.timestamp : now;
  return { type: 'return', tenantId, clientIdHex, at: Math.max(0, at) };
}
