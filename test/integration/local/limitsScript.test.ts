/**
 * `npm run limits -- --state-dir` (scripts/setTenantLimits.ts) on a stopped local mode's state folder, run as a
 * process: it sets the tenant's limits, which the next start enforces; it recounts; it refuses a running local mode's
 * folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { composeLocalC2 } from '../../../local/composeLocalC2.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { startAedes } from '../../support/brokers.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';

const run = promisify(execFile);
const script = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/setTenantLimits.ts', ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

let dir: string;
let broker: Awaited<ReturnType<typeof startAedes>>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e4c2-limits-'));
  broker = await startAedes();
});
afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = () => composeLocalC2({ stateDir: dir, mqttUrl: broker.url, startWorker: false });
const newClient = (deps: Awaited<ReturnType<typeof open>>['deps'], name: string) =>
  createClient(deps, callerOf('local'), { name, mode: 'symmetric', generateKey: true });

it('sets the local tenant limits in a stopped state folder; the next start enforces them', async () => {
  // Prepare: a local mode with two clients, stopped
  let c2 = await open();
  await newClient(c2.deps, 'one');
  await newClient(c2.deps, 'two');
  await c2.close();

  // Act
  const set = await script(
    '--state-dir',
    dir,
    '--max-clients',
    '3',
    '--max-policies',
    '5',
    '--requests-per-minute',
    '60',
  );

  // Assess
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout)).toEqual({
    tenantId: 'local',
    limits: {
      maxClients: 3,
      maxTopics: 10_000,
      maxPolicies: 5,
      maxConcurrentOperations: 100,
      requestsPerMinute: 60,
      eventRetentionDays: 400,
    },
    usage: { clients: 2, topics: 0, policies: 0, operationsInProgress: 0 },
  });
  c2 = await open();
  try {
    await newClient(c2.deps, 'three');
    expect(await codeOfAsync(() => newClient(c2.deps, 'four'))).toBe(C2ErrorCode.LimitReached);
  } finally {
    await c2.close();
  }
  const back = await script('--state-dir', dir, '--max-clients', 'default');
  expect(back.stderr).toBe('');
  expect(JSON.parse(back.stdout).limits.maxClients).toBe(10_000);
});

it('--recount sets counters left high by a crash back to what the tenant holds', async () => {
  // Prepare: the counter of clients one high, as a crash between a deletion and its release leaves it
  const c2 = await open();
  const clients = await c2.deps.store.countClients('local');
  const counted = (await c2.deps.store.getCounts('local')).clients;
  await c2.deps.store.setCount('local', 'clients', clients + 1, counted);
  await c2.close();

  // Act
  const shown = await script('--state-dir', dir);
  const recounted = await script('--state-dir', dir, '--recount');

  // Assess
  expect(JSON.parse(shown.stdout).usage.clients).toBe(clients + 1);
  expect(recounted.stderr).toBe('');
  expect(JSON.parse(recounted.stdout).usage.clients).toBe(clients);
});

it('refuses a running local mode, bad values and a folder without local mode state', async () => {
  const c2 = await open();
  try {
    const running = await script('--state-dir', dir);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/^limits: .*in use/m);
  } finally {
    await c2.close();
  }
  const bad = await script('--state-dir', dir, '--max-topics', '-1');
  expect(bad.code).not.toBe(0);
  const empty = mkdtempSync(join(tmpdir(), 'e4c2-limits-empty-'));
  const none = await script('--state-dir', empty);
  rmSync(empty, { recursive: true, force: true });
  expect(none.stderr).toContain('no local mode state');
});
