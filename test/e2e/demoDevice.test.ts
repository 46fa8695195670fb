/**
 * The demo device (examples/device.ts) as a process against local mode: where it finds the C2, what it says when the
 * C2 is not there, how a removed or contradicted device starts over, and the public-key demo.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { bytesToHex, hashIdAlias } from '../../shared/e4/index.js';
import { freePort } from '../support/freePort.js';
import { operationFinishedOverHttp } from '../support/operationFinishedOverHttp.js';
import { type RunningProcess, runProcess, stopProcesses } from '../support/processes.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  stopProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-demo-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

async function startC2(): Promise<LocalC2Server> {
  const server = await startLocal({ stateDir: await tempDir(), httpPort: 0, mqttPort: 0 });
  cleanups.push(() => server.close());
  return server;
}

const portOf = (url: string) => new URL(url).port;

function device(args: string[], env: Record<string, string>): RunningProcess {
  return runProcess(process.execPath, ['--import', 'tsx', 'examples/device.ts', ...args], env);
}

/** Runs a device until it is on its topic, then ends it (Ctrl-D); resolves with its exit code and output. */
async function runOnce(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const d = device(args, env);
  await d.waitFor('type a line').catch(() => {});
  d.child.stdin.end();
  const code = await d.exited;
  return { code, output: d.output() };
}

describe('the demo device', () => {
  it('says in one line, without a stack trace, that no C2 answers, and exits 1', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const { code, output } = await runOnce(['--name', 'alice', '--topic', 't'], {
      E4C2_API_KEY: 'e4c2.local.x.y',
      E4C2_PORT: String(port),
      E4C2_DEVICES_DIR: await tempDir(),
    });

    // Assess
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain(`no C2 answers at http://127.0.0.1:${port}`);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('finds the C2 by its ports (a flag wins over the environment), enrols again once removed, and starts over with --reset', async () => {
    // Prepare
    const server = await startC2();
    const env = {
      E4C2_API_KEY: server.adminKey!,
      E4C2_PORT: String(await freePort()), // nothing there: the flag below wins
      E4C2_MQTT_PORT: portOf(server.mqttUrl),
      E4C2_DEVICES_DIR: await tempDir(),
    };
    const args = ['--name', 'alice', '--topic', 'home/kitchen', '--port', portOf(server.apiUrl)];
    const first = await runOnce(args, env);
    const id = bytesToHex(hashIdAlias('alice'));
    const authorization = `Bearer ${server.adminKey}`;
    const removed = await fetch(`${server.apiUrl}/v1/clients/${id}`, { method: 'DELETE', headers: { authorization } });
    const removal = (await removed.json()) as { operation: { id: string } };
    const getJson = async (path: string) => {
      const answer = await fetch(`${server.apiUrl}${path}`, { headers: { authorization } });
      return { status: answer.status, json: await answer.json() };
    };
    expect(await operationFinishedOverHttp(getJson, removal.operation.id)).toMatchObject({ status: 'succeeded' });

    // Act
    const afterRemoval = await runOnce(args, { ...env });
    const otherFolder = await runOnce(args, { ...env, E4C2_DEVICES_DIR: await tempDir() });
    const reset = await runOnce([...args, '--reset'], { ...env, E4C2_DEVICES_DIR: await tempDir() });

    // Assess
    expect(first.code).toBe(0);
    expect(first.output).toContain('enrolled with the C2');
    expect(removed.status).toBe(202);
    expect(afterRemoval.code).toBe(0);
    expect(afterRemoval.output).toContain('enrolled with the C2');
    expect(afterRemoval.output).toContain('C2 command applied: SetTopicKey');
    expect(otherFolder.code).toBe(1);
    expect(otherFolder.output).toContain('--reset');
    expect(otherFolder.output).not.toMatch(/\n\s+at /);
    expect(reset.code).toBe(0);
    expect(reset.output).toContain('enrolled with the C2');
    expect(reset.output).toContain('C2 command applied: SetTopicKey');
  }, 90_000); // subprocesses (tsx start-up): slow on a loaded machine

  it('in public-key mode, a device whose C2 started anew (another C2 key pair) makes a new identity and gets its key', async () => {
    // Prepare: alice made with the first C2, which is then gone; a second C2 starts from an empty state folder.
    const devices = await tempDir();
    const c2Env = (server: LocalC2Server) => ({
      E4C2_API_KEY: server.adminKey!,
      E4C2_API_URL: server.apiUrl,
      E4C2_MQTT_URL: server.mqttUrl,
      E4C2_DEVICES_DIR: devices,
    });
    const args = ['--name', 'alice', '--topic', 'pk/hall', '--mode', 'pubkey'];
    const firstC2 = await startC2();
    const first = await runOnce(args, c2Env(firstC2));
    await firstC2.close();
    const secondC2 = await startC2();

    // Act
    const again = await runOnce(args, c2Env(secondC2));

    // Assess: enrolled anew, and the topic key sent by the new C2 opened
    expect(first.code).toBe(0);
    expect(again.code).toBe(0);
    expect(again.output).toContain('a new identity');
    expect(again.output).toContain('enrolled with the C2 (pubkey)');
    expect(again.output).toContain('C2 command applied: SetTopicKey');
    expect(again.output).not.toContain('discarded');
  });

  it('in public-key mode: two devices enrol with their public keys and read each other', async () => {
    // Prepare
    const server = await startC2();
    const env = {
      E4C2_API_KEY: server.adminKey!,
      E4C2_API_URL: server.apiUrl,
      E4C2_MQTT_URL: server.mqttUrl,
      E4C2_DEVICES_DIR: await tempDir(),
    };
    const alice = device(['--name', 'alice', '--topic', 'pk/room', '--mode', 'pubkey'], env);
    const bob = device(['--name', 'bob', '--topic', 'pk/room', '--mode', 'pubkey'], env);
    for (const d of [alice, bob]) await d.waitFor('type a line');
    await alice.waitFor('C2 command applied: SetPubKey'); // bob's public key, once both are on the topic

    // Act
    alice.child.stdin.write('signed by alice\n');

    // Assess
    await bob.waitFor('[bob] received: signed by alice');
    await alice.waitFor('[alice] received: signed by alice'); // its own, echoed by the broker
    expect(alice.output()).toContain('enrolled with the C2 (pubkey)');
    alice.child.stdin.end();
    bob.child.stdin.end();
    expect(await Promise.all([alice.exited, bob.exited])).toEqual([0, 0]);
  });
});
