/**
 * Local mode's answer to devices that were offline: whenever a device comes back, the C2 sends it the current keys of
 * its topics with fresh timestamps (resyncClient). A device is back when a connection holds a subscription to its
 * control topic `e4/<hex id>`: one it subscribes to (a clean session, or E4MqttDevice and the e4go demos, which
 * subscribe on every connection), or one its resumed persistent session brought back (MQTT.js does not subscribe again
 * when the broker kept the session). Commands queued by the broker while the device was away may be older than the 10
 * minutes an E4 device accepts, and a clean-session device missed what was sent while it was away.
 *
 * One resync per device per `quietMs`: a device back within the quiet period of its last resync is resynced once at
 * the end of it (what changed in between reaches it), never skipped. A resync that finds one of its topics busy with
 * another change (CONCURRENT_UPDATE: many devices back at once after a revocation, each resync of such a topic taking
 * two new seconds under its lease) is tried again after the quiet period. Other failures are reported, never thrown.
 */
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { resyncClient } from '../shared/c2/clients/resyncClient.js';
import { C2Error, C2ErrorCode } from '../shared/c2/errors.js';
import type { Caller } from '../shared/c2/ports.js';
import { hexToBytes } from '../shared/e4/index.js';

const CONTROL_TOPIC = /^e4\/([0-9a-f]{32})$/;

export interface ResyncOnReturnOptions {
  /** Told of a resync that failed. */
  readonly onError: (error: unknown) => void;
  /** Told of each resync done, with the device's name (for the log). */
  readonly onResync?: (clientName: string) => void;
  /** Default 5 s. */
  readonly quietMs?: number;
}

export interface ResyncOnReturn {
  /** A connection holds a subscription to `topic` (any topic: only control topics matter). */
  subscribed(topic: string): void;
  /** Cancels the resyncs waiting for the end of a quiet period. */
  close(): void;
}

export function resyncOnReturn(deps: C2Deps, caller: Caller, options: ResyncOnReturnOptions): ResyncOnReturn {
  const quietMs = options.quietMs ?? 5_000;
  /** Per device: when it was last resynced, and the resync waiting for the end of its quiet period. */
  const devices = new Map<string, { at: number; deferred?: NodeJS.Timeout }>();
  let closed = false;

  const retryLater = (id: string) => {
    const deferred = setTimeout(() => resync(id), quietMs);
    deferred.unref();
    devices.set(id, { at: deps.clock(), deferred });
  };

  const resync = (id: string) => {
    const now = deps.clock();
    devices.set(id, { at: now });
    if (devices.size > 10_000) {
      // Forget the devices out of their quiet period: the map stays bounded whatever ids are subscribed to.
      for (const [known, state] of devices) if (!state.deferred && now - state.at >= quietMs) devices.delete(known);
    }
    void (async () => {
      const client = await deps.store.getClientById(caller.tenantId, hexToBytes(id));
      if (!client) return;
      await resyncClient(deps, caller, client.name);
      options.onResync?.(client.name);
    })().catch((error: unknown) => {
      const busy = error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate;
      if (busy && !closed) retryLater(id);
      else options.onError(error);
    });
  };

  return {
    subscribed: (topic) => {
      const id = CONTROL_TOPIC.exec(topic)?.[1];
      if (!id || closed) return;
      const state = devices.get(id);
      if (state === undefined) return resync(id);
      if (state.deferred) return;
      const wait = state.at + quietMs - deps.clock();
      if (wait <= 0) return resync(id);
      const deferred = setTimeout(() => resync(id), wait);
      deferred.unref();
      devices.set(id, { at: state.at, deferred });
    },
    close: () => {
      closed = true;
      for (const state of devices.values()) if (state.deferred) clearTimeout(state.deferred);
      devices.clear();
    },
  };
}
