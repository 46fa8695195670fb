/**
 * The set-up of an end-to-end test in `npm start`'s local mode: a fresh state folder, local mode on free ports, API
 * calls under the admin key, the platform key or any token, the devices the test connects (ended afterwards) and, in
 * public-key mode, the C2's public key. Everything is undone by {@link LocalScenario.close}, devices first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { fromBase64 } from '../../shared/e4/node/index.js';
import { type AnyJson, requestLocalApi } from './localApi.js';
import type { TestDevice } from './testDevice.js';

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: AnyJson }>;

export interface LocalScenario {
  readonly server: LocalC2Server;
  /** A call of the HTTP API under the admin key: status and JSON body. */
  readonly admin: Call;
  /** The same under the platform key. */
  readonly platform: Call;
  /** The same under any key or token. */
  readonly as: (key: string) => Call;
  /** Devices to end when the scenario closes. */
  readonly devices: TestDevice[];
  /** The C2's public key in public-key mode. */
  readonly c2Key: Uint8Array | undefined;
  close(): Promise<void>;
}

export async function startLocalScenario(name: string, mode: 'symmetric' | 'pubkey'): Promise<LocalScenario> {
  const stateDir = await mkdtemp(join(tmpdir(), `e4c2-${name}-`));
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 }).catch(async (error) => {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  const as =
    (key: string): Call =>
    (method, path, body) =>
      requestLocalApi<AnyJson>(server, method, path, body, key);
  const admin = as(server.adminKey!);
  const devices: TestDevice[] = [];
  const c2Key = mode === 'pubkey' ? fromBase64((await admin('GET', '/v1/keys/c2')).json.publicKey) : undefined;
  return {
    server,
    admin,
    platform: as(server.platformKey!),
    as,
    devices,
    c2Key,
    async close() {
      await Promise.all(devices.map((d) => d.end().catch(() => {})));
      await server.close().catch(() => {});
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
