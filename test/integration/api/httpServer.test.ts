/**
 * The API as local mode serves it: the handler over node:http (nodeHttpAdapter) on local mode's composition, real
 * HTTP requests. Password enrolments derive their key (Argon2i, 64 MiB) in a worker thread, so the server keeps
 * answering meanwhile; a full queue is 429 BUSY; bodies that are not UTF-8 or too large get the API's error shape.
 * Orders are asserted, never durations: the deriver is wrapped (not replaced) to record when it starts and ends.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { DEFAULT_MAX_BODY_BYTES, nodeHttpAdapter } from '../../../local/nodeHttpAdapter.js';
import { WorkerPasswordKeyDeriver } from '../../../shared/adapters/local/WorkerPasswordKeyDeriver.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { inlinePasswordKeyDeriver } from '../../../shared/c2/clients/inlinePasswordKeyDeriver.js';
import type { PasswordKeyDeriver } from '../../../shared/c2/ports.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { type ApiFixture, startApiFixture } from './apiFixture.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/data/e4go-vectors.json', import.meta.url), 'utf8'));
const VECTOR: { password: string; derive_sym_key_hex: string } = vectors.password_keys[0];

let api: ApiFixture;
const servers: Server[] = [];

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-http' });
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await api?.close();
});

/** The API handler over `deps`, served by local mode's node:http adapter on a free port; its base URL. */
async function serve(deps: C2Deps): Promise<string> {
  const server = createServer(nodeHttpAdapter(createApiHandler(deps, { log: () => {} })));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `inner`, recording in `events` when a derivation ends, and resolving `started` when the first one begins. */
function recorded(inner: PasswordKeyDeriver, events: string[]): PasswordKeyDeriver & { started: Promise<void> } {
  let begin: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    begin = resolve;
  });
  return {
    started,
    deriveSymKey: (password) => {
      begin();
      return inner.deriveSymKey(password).finally(() => events.push('derivation done'));
    },
  };
}

const headers = () => ({ authorization: `Bearer ${api.token}`, 'content-type': 'application/json' });

function enrol(base: string, name: string, password: string, events?: string[]): Promise<Response> {
  return fetch(`${base}/v1/clients`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ name, password }),
  }).then((response) => {
    events?.push('enrolment answered');
    return response;
  });
}

async function storedKeyHex(name: string): Promise<string> {
  const record = await api.c2.deps.store.getClient(api.tenantId, name);
  const binding = { tenantId: api.tenantId, kind: 'client', name, version: record!.keyVersion };
  return bytesToHex(await api.c2.deps.vault.unwrap(record!.wrappedKey, binding));
}

describe('password enrolment in local mode (worker thread)', () => {
  it('GET /v1/health sent while the key is derived is answered before the derivation ends', async () => {
    // Prepare: local mode's own deriver (a worker thread), wrapped to record.
    const events: string[] = [];
    const passwordKeys = recorded(api.c2.deps.passwordKeys!, events);
    const base = await serve({ ...api.c2.deps, passwordKeys });

    // Act
    const enrolment = enrol(base, 'pw-worker', VECTOR.password, events);
    await passwordKeys.started;
    const health = await fetch(`${base}/v1/health`);
    events.push('health answered');
    const answer = await enrolment;

    // Assess
    expect(api.c2.deps.passwordKeys).toBeInstanceOf(WorkerPasswordKeyDeriver);
    expect(health.status).toBe(200);
    expect(answer.status).toBe(201);
    expect(events).toEqual(['health answered', 'derivation done', 'enrolment answered']);
    expect(await storedKeyHex('pw-worker')).toBe(VECTOR.derive_sym_key_hex);
  });

  it("the control: Lambda's inline deriver holds the event loop, so the same health request comes after it", async () => {
    // Prepare
    const events: string[] = [];
    const passwordKeys = recorded(inlinePasswordKeyDeriver, events);
    const base = await serve({ ...api.c2.deps, passwordKeys });

    // Act
    const enrolment = enrol(base, 'pw-inline', VECTOR.password, events);
    await passwordKeys.started;
    await fetch(`${base}/v1/health`);
    events.push('health answered');
    await enrolment;

    // Assess
    expect(events.indexOf('derivation done')).toBeLessThan(events.indexOf('health answered'));
    expect(await storedKeyHex('pw-inline')).toBe(VECTOR.derive_sym_key_hex);
  });

  it('a full queue is 429 BUSY with Retry-After and the error shape, and enrols nothing', async () => {
    // Prepare: one thread, no waiting room, kept busy by a derivation of its own.
    const passwordKeys = new WorkerPasswordKeyDeriver({ workers: 1, maxQueued: 0 });
    const base = await serve({ ...api.c2.deps, passwordKeys });
    const occupying = passwordKeys.deriveSymKey(VECTOR.password);

    try {
      // Act
      const refused = await enrol(base, 'pw-busy', VECTOR.password);
      const lookup = await fetch(`${base}/v1/clients?name=pw-busy`, { headers: headers() });

      // Assess
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toEqual({
        error: { code: 'BUSY', message: expect.stringContaining('retry in a moment') },
      });
      expect(await lookup.json()).toEqual({ items: [] });
      expect(bytesToHex(await occupying)).toBe(VECTOR.derive_sym_key_hex);
    } finally {
      await passwordKeys.close();
    }
  });
});

describe('bodies in local mode', () => {
  it('a JSON body that is not valid UTF-8 is 400 INVALID_INPUT, and no topic is made of U+FFFD', async () => {
    // Prepare
    const base = await serve(api.c2.deps);
    const body = Buffer.concat([Buffer.from('{"topic":"bad'), Buffer.of(0xff, 0xfe), Buffer.from('"}')]);

    // Act
    const answer = await fetch(`${base}/v1/topics`, { method: 'POST', headers: headers(), body });
    const lookup = await fetch(`${base}/v1/topics?topic=${encodeURIComponent('bad\uFFFD\uFFFD')}`, {
      headers: headers(),
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: { code: 'INVALID_INPUT', message: 'body: not valid UTF-8' } });
    expect(await lookup.json()).toEqual({ items: [] });
  });

  it('a body over the limit is 413 in the error shape', async () => {
    // Prepare
    const base = await serve(api.c2.deps);

    // Act
    const answer = await fetch(`${base}/v1/topics`, {
      method: 'POST',
      headers: headers(),
      body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1),
    });

    // Assess
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(String(DEFAULT_MAX_BODY_BYTES)) },
    });
  });

  it('a body between the handler limit (64 KiB) and the adapter one is 413 in the same shape', async () => {
    // Prepare
    const base = await serve(api.c2.deps);

    // Act
    const answer = await fetch(`${base}/v1/topics`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ topic: 'x'.repeat(70_000) }),
    });

    // Assess
    expect(answer.status).toBe(413);
    expect((await answer.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
