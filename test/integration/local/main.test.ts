/**
 * The `npm start` CLI as a user runs it: a child process (node --import tsx local/main.ts, or real `npm start`) on
 * ports 0 in a temp state folder, read from its output, stopped with a signal.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/freePort.js';
import { runProcess, stopProcesses } from '../../support/processes.js';

const folders: string[] = [];
/** The CLI's configuration file local mode writes its keys' profiles into (never the user's). */
const cliConfigDir = mkdtempSync(join(tmpdir(), 'e4c2-cli-config-'));
const cliConfig = { E4C2_CONFIG: join(cliConfigDir, 'config.json') };
afterAll(() => rmSync(cliConfigDir, { recursive: true, force: true }));

afterEach(async () => {
  stopProcesses();
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newStateDir(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-cli-'));
  folders.push(folder);
  return folder;
}

function runCli(args: string[], env: Record<string, string> = {}) {
  return runProcess(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], { ...cliConfig, ...env });
}

/** `npm start -- <args>`, through the real npm, as the README says. */
function runNpmStart(args: string[], env: Record<string, string> = {}) {
  return runProcess('npm', ['start', '--', ...args], { ...cliConfig, ...env });
}

function lineValue(output: string, label: string): string {
  const line = output.split('\n').find((l) => l.startsWith(label));
  if (!line) throw new Error(`no "${label}" line in:\n${output}`);
  return (line.slice(label.length).trim().split(' ')[0] ?? '').trim();
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as { port: number }).port, server };
}

describe('local/main.ts (npm start)', () => {
  it('prints the bound URLs and the admin key, serves, and exits 0 on SIGINT', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const cli = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0']);
    await cli.waitFor('Ctrl-C stops.');
    const apiUrl = lineValue(cli.stdout(), 'API:');
    const mqttUrl = lineValue(cli.stdout(), 'MQTT:');
    const adminKey = lineValue(cli.stdout(), 'Admin API key:');
    const platformKey = lineValue(cli.stdout(), 'Platform operator key:');
    const webUiUrl = lineValue(cli.stdout(), 'Web UI:');

    // Act
    const health = await fetch(`${apiUrl}/v1/health`);
    const page = await fetch(webUiUrl);
    const clients = await fetch(`${apiUrl}/v1/clients`, { headers: { authorization: `Bearer ${adminKey}` } });
    const tenants = await fetch(`${apiUrl}/v1/tenants`, { headers: { authorization: `Bearer ${platformKey}` } });
    cli.child.kill('SIGINT');
    const code = await cli.exited;

    // Assess
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(webUiUrl).toBe(`${apiUrl}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(adminKey).toMatch(/^e4c2\.local\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(cli.stdout()).toContain('shown once');
    expect(cli.stdout()).toContain('hash');
    expect(health.status).toBe(200);
    expect(clients.status).toBe(200);
    expect(platformKey).toMatch(/^e4c2p\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(tenants.status).toBe(200);
    expect(code).toBe(0);
    expect(cli.stdout()).toContain('stopped');
  });

  it('prints no admin key on a later start of the same state folder, and stops on SIGTERM too', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0']);
    await first.waitFor('Ctrl-C stops.');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    // Act: the folder and ports from the environment this time.
    const second = runCli([], { E4C2_STATE_DIR: stateDir, E4C2_PORT: '0', E4C2_MQTT_PORT: '0' });
    await second.waitFor('Ctrl-C stops.');
    second.child.kill('SIGTERM');
    const code = await second.exited;

    // Assess
    expect(second.stdout()).toContain('API:');
    expect(second.stdout()).not.toContain('Admin API key');
    expect(second.stdout()).not.toContain('Platform operator key');
    expect(code).toBe(0);
  });

  it('stops through npm on SIGTERM: the port and the state folder are freed, and a second start works', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const port = await freePort();
    const args = ['--state-dir', stateDir, '--port', String(port), '--mqtt-port', '0'];
    const npm = runNpmStart(args);
    await npm.waitFor('Ctrl-C stops.');

    // Act: what a process manager does.
    npm.child.kill('SIGTERM');
    await npm.exited;
    await until(async () => (await fetch(`http://127.0.0.1:${port}/v1/health`).catch(() => undefined)) === undefined);
    const second = runNpmStart(args);
    await second.waitFor('Ctrl-C stops.');
    const health = await fetch(`http://127.0.0.1:${port}/v1/health`);
    second.child.kill('SIGTERM');
    await second.exited;

    // Assess
    expect(npm.stdout()).toContain('stopped');
    expect(health.status).toBe(200);
    expect(second.stdout()).toContain('stopped');
    await until(async () => !existsSync(join(stateDir, 'lock')));
  });

  it('stops cleanly on SIGHUP (its terminal closed)', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const cli = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0']);
    await cli.waitFor('Ctrl-C stops.');

    // Act
    cli.child.kill('SIGHUP');
    const code = await cli.exited;

    // Assess
    expect(code).toBe(0);
    expect(cli.stdout()).toContain('stopped');
    expect(existsSync(join(stateDir, 'lock'))).toBe(false);
  });

  it('logs requests as JSON lines on stderr, at the level from E4C2_LOG_LEVEL', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const info = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0']);
    await info.waitFor('Ctrl-C stops.');
    await fetch(`${lineValue(info.stdout(), 'API:')}/v1/health`);
    info.child.kill('SIGINT');
    await info.exited;

    // Act
    const quiet = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0'], { E4C2_LOG_LEVEL: 'warn' });
    await quiet.waitFor('Ctrl-C stops.');
    await fetch(`${lineValue(quiet.stdout(), 'API:')}/v1/health`);
    quiet.child.kill('SIGINT');
    await quiet.exited;

    // Assess
    const lines = info
      .stderr()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', path: '/v1/health', status: 200 }));
    expect(quiet.stderr()).toBe('');
  });

  it('exits 1 with a one-line message when the HTTP port is taken', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const { port, server } = await occupiedPort();

    // Act
    const cli = runCli(['--state-dir', stateDir, '--port', String(port), '--mqtt-port', '0']);
    const code = await cli.exited;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    // Assess
    expect(code).toBe(1);
    expect(cli.stderr().trim().split('\n')).toEqual([`e4c2: the HTTP port ${port} on 127.0.0.1 is already in use`]);
    expect(cli.stdout()).not.toContain('Admin API key');
  });

  it('exits 1 with a one-line message when the MQTT port is taken', async () => {
    const { port, server } = await occupiedPort();

    const cli = runCli(['--state-dir', await newStateDir(), '--port', '0', '--mqtt-port', String(port)]);
    const code = await cli.exited;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    expect(code).toBe(1);
    expect(cli.stderr().trim().split('\n')).toEqual([`e4c2: the MQTT port ${port} on 127.0.0.1 is already in use`]);
  });

  it('exits 1 with a one-line message when the state folder is not writable', async () => {
    const file = join(await newStateDir(), 'a-file');
    await writeFile(file, '');

    const cli = runCli(['--state-dir', join(file, 'state'), '--port', '0', '--mqtt-port', '0']);
    const code = await cli.exited;

    expect(code).toBe(1);
    const lines = cli.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^e4c2: the state folder .* is not writable/);
  });

  it('with --mqtt-tls prints an mqtts URL and the CA file devices trust; not with --mqtt-url', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const cli = runCli(['--state-dir', stateDir, '--port', '0', '--mqtt-port', '0', '--mqtt-tls']);
    await cli.waitFor('Ctrl-C stops.');

    // Act
    const mqttUrl = lineValue(cli.stdout(), 'MQTT:');
    const caFile = lineValue(cli.stdout(), 'Devices trust this CA:');
    cli.child.kill('SIGINT');
    const code = await cli.exited;
    const both = runCli(['--state-dir', stateDir, '--mqtt-tls', '--mqtt-url', 'mqtt://127.0.0.1:1']);

    // Assess
    expect(mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(cli.stdout()).toContain('(embedded broker, TLS only)');
    expect(caFile).toBe(join(stateDir, 'tls', 'ca.crt'));
    expect(existsSync(caFile)).toBe(true);
    expect(code).toBe(0);
    expect(await both.exited).toBe(1);
    expect(both.stderr()).toContain("option '--mqtt-tls' cannot be used with option '--mqtt-url <url>'");
  });

  it('rejects a port that is not a number', async () => {
    const cli = runCli(['--state-dir', await newStateDir(), '--port', 'http']);

    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('a port is an integer from 0');
  });
});
