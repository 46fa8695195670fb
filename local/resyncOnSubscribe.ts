/**
 * Local mode's answer to devices that were offline: when a device subscribes to its control topic `e4/<hex id>`
 * (E4MqttDevice and the e4go demos do on every connection), the C2 sends it the current keys of its topics with fresh
 * timestamps (resyncClient). Commands queued by the broker while the device was away may be older than the 10 minutes
 * an E4 device accepts. Repeats within `quietMs` for the same device are skipped; failures are reported, never thrown.
 */

import type { C2Deps } from '../shared/c2/C2Deps.js';
import { resyncClient } from '../shared/c2/clients/resyncClient.js';
import type { Caller } from '../shared/c2/ports.js';
import { hexToBytes } from '../shared/e4/index.js';

const CONTROL_TOPIC = /^e4\/([0-9a-f]{32})$/;

export function resyncOnSubscribe(
  deps: C2Deps,
  caller: Caller,
  onError: (error: unknown) => void,
  quietMs = 5_000,
): (topic: string) => void {
  const last = new Map<string, number>();
  return (topic) => {
    const id = CONTROL_TOPIC.exec(topic)?.[1];
    if (!id) return;
    const now = deps.clock();
    if (now - (last.get(id) ?? Number.NEGATIVE_INFINITY) < quietMs) return;
    last.set(id, now);
    if (last.size > 10_000) {
      // Forget the devices out of their quiet period: the map stays bounded whatever ids are subscribed to.
      for (const [known, at] of last) if (now - at >= quietMs) last.delete(known);
    }
    void (async () => {
      const client = await deps.store.getClientById(caller.tenantId, hexToBytes(id));
      if (client) await resyncClient(deps, caller, client.name);
    })().catch(onError);
  };
}
