/**
 * The protection proxy for tests: `e4c2 proxy local|gateway` run as a subprocess (the CLI bundle), its JSON log read
 * line by line (its counters from the `status` lines), and the mosquitto clients (Debian mosquitto-clients) that
 * play the legacy application.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { cliBin } from './cliRun.js';
import { type RunningProcess, runProcess } from './processes.js';

export const MOSQUITTO_CLIENTS_MISSING =
  spawnSync('sh', ['-c', 'command -v mosquitto_pub && command -v mosquitto_sub']).status === 0
    ? undefined
    : 'mosquitto_pub / mosquitto_sub are not installed (mosquitto-clients): the proxy tests did not run';

export interface ProxyRun {
  readonly process: RunningProcess;
  /** The log's JSON lines so far. */
  lines(): Record<string, unknown>[];
  /** Resolves with the first log line (from now on, or already there if `past`) that `match` accepts. */
  line(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The counters of the latest `status` (or `stopped`) line whose counts `match` accepts. */
  counts(match: (counts: Record<string, number>) => boolean, timeoutMs?: number): Promise<Record<string, number>>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

export async function writeProxyConfig(path: string, config: unknown): Promise<string> {
  await writeFile(path, path.endsWith('.json') ? JSON.stringify(config, null, 2) : stringify(config));
  return path;
}

export async function startProxyProcess(mode: 'local' | 'gateway', config: string): Promise<ProxyRun> {
  const process = runProcess(globalThis.process.execPath, [cliBin(), 'proxy', mode, '--config', config]);
  const lines = () =>
    process
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const line = async (match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines().find(match);
      if (found) return found;
      if (process.child.exitCode !== null) throw new Error(`the proxy exited:\n${process.output()}`);
      if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms:\n${process.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const run: ProxyRun = {
    process,
    lines,
    line,
    counts: async (match, timeoutMs) => {
      const found = await line((entry) => {
        const counts = entry.counts as Record<string, number> | undefined;
        return (entry.event === 'status' || entry.event === 'stopped') && counts !== undefined && match(counts);
      }, timeoutMs);
      return found.counts as Record<string, number>;
    },
    stop: async () => {
      process.child.kill('SIGTERM');
      return process.exited;
    },
  };
  await line((entry) => entry.event === 'listening');
  return run;
}
