/**
 * The README's quick start, as written: local mode, then two demo devices (examples/device.ts, separate processes)
 * that enrol themselves, join a topic and chat through the broker with keys the C2 gave them.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';

let server: LocalC2Server | undefined;
const folders: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.close();
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

/** A demo device process, with its output collected line by line. */
function startDevice(name: string, stateDir: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'examples/device.ts',
      '--name',
      name,
      '--topic',
      'home/kitchen',
      '--api',
      server!.apiUrl,
      '--mqtt',
      server!.mqttUrl,
      '--state-dir',
      stateDir,
    ],
    { env: { ...process.env, E4C2_API_KEY: server!.adminKey! } },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no "${text}" in:\n${output}`)), 20_000);
      const check = () => {
        if (!output.includes(text)) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      check();
    });
  return { child, waitFor, output: () => output };
}

it('two demo devices exchange messages protected with keys the C2 gave them', async () => {
  // Prepare
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-quick-'));
  const devicesDir = await mkdtemp(join(tmpdir(), 'e4c2-devices-'));
  folders.push(stateDir, devicesDir);
  server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 });
  const alice = startDevice('alice', devicesDir);
  const bob = startDevice('bob', devicesDir);
  for (const device of [alice, bob]) {
    await device.waitFor('C2 command applied: SetTopicKey');
    await device.waitFor('type a line'); // subscribed to the topic
  }

  // Act
  alice.child.stdin.write('hello from alice\n');
  bob.child.stdin.write('hello from bob\n');

  // Assess
  await bob.waitFor('[bob] received: hello from alice');
  await alice.waitFor('[alice] received: hello from bob');
  alice.child.stdin.end();
  bob.child.stdin.end();
  const codes = await Promise.all(
    [alice, bob].map((d) => new Promise<number | null>((resolve) => d.child.on('exit', resolve))),
  );
  expect(codes).toEqual([0, 0]);
});
