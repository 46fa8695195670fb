/**
 * Local mode's devices coming back: whenever a connection holds a subscription to a device's control topic
 * `e4/<hex id>` (one it subscribes to, or one its resumed persistent session brought back: MQTT.js does not subscribe
 * again when the broker kept the session), a `return` message goes to the work queue, whose worker resyncs the
 * device (of its tenant: one for every device, or deviceTenant.ts's, by the E4 id's claim) as AWS does from IoT
 * lifecycle events (shared/c2/clients/acceptReturn.ts: a connection's messages count
 * once, the device is sent only what it lacks). Nothing is kept in memory here.
 */
import type { WorkQueue } from '../shared/c2/ports/WorkQueue.js';
import type { Clock } from '../shared/c2/ports.js';
import type { DeviceTenant } from './deviceTenant.js';

const CONTROL_TOPIC = /^e4\/([0-9a-f]{32})$/;

/** Told of each topic a connection holds a subscription to; only control topics are reported. */
export type ReturnReporter = (topic: string) => void;

export function returnReporter(
  queue: WorkQueue,
  tenant: string | DeviceTenant,
  clock: Clock,
  onError: (error: unknown) => void,
): ReturnReporter {
  const tenantOf: DeviceTenant = typeof tenant === 'string' ? async () => tenant : tenant;
  return (topic) => {
    const clientIdHex = CONTROL_TOPIC.exec(topic)?.[1];
    if (clientIdHex === undefined) return;
    const at = clock();
    tenantOf(clientIdHex)
      .then((tenantId) => queue.enqueue([{ type: 'return', tenantId, clientIdHex, at }]))
      .catch(onError);
  };
}
