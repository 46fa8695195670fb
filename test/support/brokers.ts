/**
 * Real MQTT brokers for integration tests, each on a free port of 127.0.0.1: aedes (in process, in-memory
 * persistence) and mosquitto (the Debian binary, a child process). Both keep persistent sessions in memory while they
 * run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Aedes } from 'aedes';
import { freePort } from './freePort.js';

export interface RunningBroker {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

export type BrokerStarter = () => Promise<RunningBroker>;

export async function startAedes(): Promise<RunningBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer({ noDelay: true }, broker.handle);
  // Closing destroys open connections too (server.close alone waits for them), as a crashed broker would.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Where the mosquitto binary is (PATH, then /usr/sbin where Debian puts it), or undefined. */
export function mosquittoBinary(): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const folder of folders.filter((f) => f.length > 0)) {
    const candidate = join(folder, 'mosquitto');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const MOSQUITTO_MISSING =
  'the mosquitto binary is not installed (apt-get install -y mosquitto): the mosquitto integration tests did not run';

export async function startMosquitto(): Promise<RunningBroker> {
  const binary = mosquittoBinary();
  if (!binary) throw new Error(MOSQUITTO_MISSING);
  // Started as root, mosquitto drops to the user "mosquitto": the folder and config must be readable by it.
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-mosquitto-'));
  await chmod(folder, 0o755);
  const port = await freePort();
  const config = join(folder, 'mosquitto.conf');
  await writeFile(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`, { mode: 0o644 });
  await chmod(config, 0o644);

  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve(null);
    });
  });

  const close = async (): Promise<void> => {
    await stop(child, exited);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, exited, () => output);
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `mqtt://127.0.0.1:${port}`, close };
}

/** Resolves once the port accepts a TCP connection; rejects if the broker exits or after 15 s. */
async function waitForPort(port: number, exited: Promise<number | null>, output: () => string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`mosquitto exited (code ${exitCode}) before listening:\n${output()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on port ${port} within 15 s:\n${output()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface BrokerCase {
  readonly name: string;
  readonly start: BrokerStarter;
  /** Why this broker cannot run here, if it cannot: its suites are then skipped, and fail in CI (`serverMissing`). */
  readonly missing: string | undefined;
}

/** The real brokers every MQTT suite runs against. */
export const BROKERS: readonly BrokerCase[] = [
  { name: 'aedes', start: startAedes, missing: undefined },
  { name: 'mosquitto', start: startMosquitto, missing: mosquittoBinary() ? undefined : MOSQUITTO_MISSING },
];
