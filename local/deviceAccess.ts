/**
 * What local mode's embedded broker lets each connection do: the rules of the IoT Core device policy on AWS
 * (infra/constructs/IotDevicePolicy.ts), checked in aedes's hooks (startEmbeddedBroker.ts).
 *
 * - The C2's own connection (a username and password made at each start) may do anything: it alone publishes on
 *   control topics `e4/<hex id>`.
 * - A device authenticates with the credentials issued at its creation (shared/c2/clients/mqttCredentials.ts), with
 *   an MQTT client id ending in its hex E4 id (`e4-<hex id>`, or its username), so that it cannot take over another
 *   device's session. It subscribes to its own control topic and publishes its receipts on `e4/<hex id>/receipt`,
 *   nothing else under `e4/`; elsewhere it uses its tenant's topic space: `t/<tenant>/...` (as on AWS, wildcards
 *   allowed below it) and the topics its tenant created in the C2, by exact name (the C2 keeps topic names per
 *   tenant and the broker has one namespace, so a wildcard elsewhere is refused, and a name two tenants both created
 *   is open to the devices of both: what they publish there is protected under each tenant's own key).
 * - Anonymous connections are refused, unless `allowAnonymous` (`--allow-anonymous-devices`: demos, e4go devices
 *   without credentials): then they may do anything but publish on a control topic.
 */

import { authenticateDevice, type DeviceIdentity } from '../shared/c2/clients/mqttCredentials.js';
import type { KeyStore } from '../shared/c2/ports.js';
import { equalBytes, utf8 } from '../shared/e4/index.js';

export type BrokerIdentity =
  | { readonly kind: 'c2' }
  | { readonly kind: 'anonymous' }
  | ({ readonly kind: 'device' } & DeviceIdentity);

/** The embedded broker's checks (startEmbeddedBroker.ts calls them from aedes's hooks). */
export interface BrokerAccess {
  /** Undefined: the connection is refused (CONNACK 4 with a username, 5 without). */
  authenticate(clientId: string, username?: string, password?: Uint8Array): Promise<BrokerIdentity | undefined>;
  mayPublish(identity: BrokerIdentity, topic: string): Promise<boolean>;
  maySubscribe(identity: BrokerIdentity, filter: string): Promise<boolean>;
}

export interface DeviceAccessOptions {
  readonly store: Pick<KeyStore, 'getClientIdClaim' | 'getTopic'>;
  /** The C2's own connection. */
  readonly c2: { readonly username: string; readonly password: string };
  readonly allowAnonymous: boolean;
}

const CONTROL_TOPIC = /^e4\/[0-9a-f]{32}$/;

const isWildcard = (filter: string) => filter.includes('+') || filter.includes('#');

export function deviceAccess(options: DeviceAccessOptions): BrokerAccess {
  const { store, c2, allowAnonymous } = options;
  const c2Password = utf8(c2.password);
  /** A topic (or filter) of the device's tenant outside `e4/`. */
  const inTenantSpace = async (device: DeviceIdentity, topic: string): Promise<boolean> => {
    if (topic.startsWith('$') || topic === 'e4' || topic.startsWith('e4/')) return false;
    const prefix = `t/${device.tenantId}/`;
    if (topic.startsWith(prefix) && topic.length > prefix.length) return true;
    if (isWildcard(topic)) return false;
    return (await store.getTopic(device.tenantId, topic)) !== undefined;
  };
  return {
    authenticate: async (clientId, username, password) => {
      if (username === undefined) return allowAnonymous ? { kind: 'anonymous' } : undefined;
      if (password === undefined) return undefined;
      if (username === c2.username) return equalBytes(password, c2Password) ? { kind: 'c2' } : undefined;
      const device = await authenticateDevice(store, username, new TextDecoder().decode(password));
      if (!device || !clientId.endsWith(device.idHex)) return undefined;
      return { kind: 'device', ...device };
    },
    mayPublish: async (identity, topic) => {
      if (identity.kind === 'c2') return true;
      if (topic.startsWith('$')) return false;
      if (identity.kind === 'anonymous') return !CONTROL_TOPIC.test(topic);
      if (topic === `e4/${identity.idHex}/receipt`) return true;
      return inTenantSpace(identity, topic);
    },
    maySubscribe: async (identity, filter) => {
      if (identity.kind === 'c2' || identity.kind === 'anonymous') return true;
      if (filter === `e4/${identity.idHex}`) return true;
      if (filter.startsWith('#') || filter.startsWith('+')) return false; // would match e4/...
      return inTenantSpace(identity, filter);
    },
  };
}
