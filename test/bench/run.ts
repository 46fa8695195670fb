/**
 * `npm run bench`: E4Client.protectMessage / unprotect throughput in both modes, on both engines, at 64 B, 1 KiB and
 * 64 KiB, against the e4go figures measured on the project's machines; then the memory held per topic key.
 *
 *   npm run bench                      all cases: 3 passes x 3 runs of 0.4 s (median of the 9 runs reported)
 *   npm run bench -- --quick           1 pass x 3 runs of 0.15 s
 *   npm run -s bench -- --json         the same figures as JSON on stdout (-s: without npm's banner)
 *   npm run bench -- symmetric 1KiB    only the cases whose name contains every word ("memory" for the memory case)
 *   npm run bench -- siv               raw AES-SIV, pure against OpenSSL around NODE_SIV_THRESHOLD (not run otherwise)
 *   npm run bench -- proxy             messages/s through a local protection proxy vs directly to the broker, 64 B and
 *                                      1 KiB (in process, aedes as the broker; not run by `npm run bench` alone)
 *   npm run bench -- ctaes             constant-time AES options for the pure engine (bitsliced TS, WebAssembly,
 *                                      WebCrypto) against its T-tables, alternating in one process (issue 15; only on
 *                                      request)
 *   npm run bench -- functions         the Lambda bundles: size and module initialisation time (11 runs, median)
 *   npm run bench -- c2 rotation       only the C2 case: rotating a topic of 10,000 clients in local mode (3 rotations,
 *                                      median; --quick: 2,000 clients)
 *   npm run bench -- c2 confirmation   the same with 1,000 of the clients real devices (MQTT, receipts): until all sent,
 *                                      and until those are confirmed (not run by `npm run bench` alone)
 *
 * Every case runs in a fresh Node process (the same flags), so that no case inherits another's JIT feedback or heap.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type CryptoEngine,
  createNodeEngine,
  nodeEd25519Backend,
  nodeEngine,
  pureEngine,
} from '../../shared/e4/node/index.js';
import { c2Rotation, type RotationResult } from './c2Rotation.js';
import { type CtaesResult, ctaesBench, printCtaes } from './ctaes/ctaesBench.js';
import { type Mode, makePair } from './fixtures.js';
import { type FunctionBundle, functionBundles } from './functionBundles.js';
import { FULL, measure, median, QUICK, type Timing } from './measure.js';
import { type MemoryResult, topicKeyMemory } from './memory.js';
import { type ProxyRow, proxyThroughput } from './proxyThroughput.js';
import { printSivThreshold, type SivRow, sivThreshold } from './sivThreshold.js';

type Op = 'protect' | 'unprotect';

/**
 * e4go (the Go reference client) measured side by side with this benchmark on the project's machines (2026-12-03,
 * one core, GOMAXPROCS=1, the same calls: ProtectMessage / Unprotect of a client holding the key), the run made on a
 * quiet machine, in messages per second. A second run with a neighbour busy gave about 30 % less.
 */
const E4GO: Record<Mode, Record<Op, Partial<Record<number, number>>>> = {
  symmetric: {
    protect: { 64: 398_000, 1024: 198_000, 65536: 4_843 },
    unprotect: { 64: 399_000, 1024: 204_000, 65536: 4_938 },
  },
  pubkey: {
    protect: { 64: 47_600, 1024: 39_000, 65536: 2_668 },
    unprotect: { 64: 22_100, 1024: 20_500, 65536: 2_759 },
  },
};
/** Required ratio to e4go, for the engine a Node application gets by default (node:crypto). */
const TARGET: Record<Mode, number> = { symmetric: 1.5, pubkey: 1.0 };
const SIZES = [64, 1024, 65536];
const ENGINES: CryptoEngine[] = [nodeEngine, pureEngine];
/** The Node engine with Ed25519 on OpenSSL, for public-key mode (information: what a Node without sodium-native gets). */
const OPENSSL_ED25519 = createNodeEngine({ ed25519: 'openssl' });

interface Case {
  readonly name: string;
  readonly mode: Mode;
  readonly op: Op;
  readonly bytes: number;
  readonly engine: CryptoEngine;
}

interface Result {
  readonly name: string;
  readonly mode: Mode;
  readonly op: Op;
  readonly bytes: number;
  readonly engine: string;
  readonly msgPerSec: number;
  readonly mbPerSec: number;
  /** Every run's rate, sorted. */
  readonly runs: number[];
  readonly e4goMsgPerSec: number | null;
  readonly ratio: number | null;
  readonly target: number | null;
  readonly meetsTarget: boolean | null;
}

const sizeLabel = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024}KiB` : `${bytes}B`);

const CASES: Case[] = ENGINES.flatMap((engine) =>
  (['symmetric', 'pubkey'] as const).flatMap((mode) =>
    (['protect', 'unprotect'] as const).flatMap((op) =>
      SIZES.map((bytes) => ({ name: `${mode} ${op} ${sizeLabel(bytes)} ${engine.name}`, mode, op, bytes, engine })),
    ),
  ),
).concat(
  (['protect', 'unprotect'] as const).flatMap((op) =>
    SIZES.map((bytes) => ({
      name: `pubkey ${op} ${sizeLabel(bytes)} ${OPENSSL_ED25519.name}`,
      mode: 'pubkey' as const,
      op,
      bytes,
      engine: OPENSSL_ED25519,
    })),
  ),
);

function payloadOf(bytes: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (i * 31 + seed) & 0xff);
}

/** The runs of one case (in a child process): a sender and a receiver set up by commands, then the timed calls. */
async function measureCase({ mode, op, bytes, engine }: Case, timing: Timing): Promise<number[]> {
  const { sender, receiver, topic } = await makePair(mode, engine);
  if (op === 'protect') {
    const payload = payloadOf(bytes, 1);
    return measure(() => sender.protectMessage(payload, topic), timing);
  }
  // A ring of distinct messages, made now (they stay within the 10-minute window for the whole case).
  const messages = Array.from({ length: 8 }, (_, i) => sender.protectMessage(payloadOf(bytes, i), topic));
  let next = 0;
  return measure(() => receiver.unprotect(messages[next++ & 7]!, topic), timing);
}

function resultOf({ name, mode, op, bytes, engine }: Case, runs: number[]): Result {
  const msgPerSec = median(runs);
  const e4go = engine === nodeEngine ? (E4GO[mode][op][bytes] ?? null) : null;
  const ratio = e4go === null ? null : msgPerSec / e4go;
  const target = e4go === null ? null : TARGET[mode];
  return {
    name,
    mode,
    op,
    bytes,
    engine: engine.name,
    msgPerSec,
    mbPerSec: (msgPerSec * bytes) / 1e6,
    runs: runs.map(Math.round).sort((a, b) => a - b),
    e4goMsgPerSec: e4go === null ? null : Math.round(e4go),
    ratio,
    target,
    meetsTarget: ratio === null || target === null ? null : ratio >= target,
  };
}

interface Args {
  readonly json: boolean;
  readonly timing: Timing;
  readonly filter: string[];
  /** Set in a child process: the one case to run. */
  readonly child: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const known = new Set(['--json', '--quick', '--child']);
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg} (known: --json, --quick)`);
  }
  const childAt = argv.indexOf('--child');
  return {
    json: argv.includes('--json'),
    timing: argv.includes('--quick') ? QUICK : FULL,
    filter: argv
      .filter((a, i) => !a.startsWith('--') && (childAt < 0 || i !== childAt + 1))
      .map((a) => a.toLowerCase()),
    child: childAt >= 0 ? argv[childAt + 1] : undefined,
  };
}

const matches = (name: string, filter: string[]): boolean => filter.every((word) => name.toLowerCase().includes(word));

/** Runs one case in a fresh process with this process's flags (--expose-gc, --import tsx) and returns its output. */
function inChild<T>(name: string, args: Args): T {
  const script = fileURLToPath(import.meta.url);
  const quick = args.timing === QUICK ? ['--quick'] : [];
  const output = execFileSync(process.execPath, [...process.execArgv, script, '--child', name, ...quick], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output) as T;
}

async function runChild(name: string, args: Args): Promise<void> {
  let result: unknown;
  if (name === 'memory') result = await topicKeyMemory(nodeEngine);
  else if (name === 'siv') result = sivThreshold(args.timing);
  else if (name === 'ctaes') result = await ctaesBench(args.timing);
  else if (name === 'functions') result = await functionBundles(args.timing === QUICK ? 3 : 11);
  else if (name === 'proxy') result = await proxyThroughput(args.timing === QUICK ? 500 : 3000, 3);
  else if (name === 'rotation') result = await c2Rotation(args.timing === QUICK ? 2000 : 10_000, 3);
  else if (name === 'confirmation') result = await c2Rotation(args.timing === QUICK ? 2000 : 10_000, 3, 1000);
  else {
    const found = CASES.find((c) => c.name === name);
    if (!found) throw new Error(`unknown case "${name}"`);
    result = await measureCase(found, args.timing);
  }
  process.stdout.write(JSON.stringify(result));
}

const fmt = (n: number): string =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2).replace(/\.?0+$/, '');

function printTable(results: Result[]): void {
  const header = ['mode', 'op', 'size', 'engine', 'msg/s', 'MB/s', 'e4go msg/s', 'ratio', 'target', ''];
  const rows = results.map((r) => [
    r.mode,
    r.op,
    sizeLabel(r.bytes),
    r.engine,
    fmt(r.msgPerSec),
    fmt(r.mbPerSec),
    r.e4goMsgPerSec === null ? '-' : fmt(r.e4goMsgPerSec),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target === null ? '-' : `>= ${r.target}x`,
    r.meetsTarget === null ? '' : r.meetsTarget ? 'ok' : 'BELOW',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([4, 5, 6, 7]);
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)));
    console.log(cells.join('  '));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return runChild(args.child, args);
  const { passes, runs, runSeconds, warmupSeconds } = args.timing;
  const machine = {
    node: process.version,
    openssl: process.versions.openssl,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ed25519: nodeEd25519Backend(),
    timing: `${passes} pass${passes === 1 ? '' : 'es'} x ${runs} runs of ${runSeconds} s (after ${warmupSeconds} s of warm-up), median`,
  };
  const log = (line: string): void => {
    if (!args.json) console.log(line);
  };
  log(`E4 benchmark: node ${machine.node}, ${machine.cpu}, ${machine.cores} cores; ${machine.timing}`);
  log('e4go figures and ratios for the node engine (the default under Node); pure = browsers and edge runtimes');
  log(`node engine's Ed25519: ${machine.ed25519} (the "node ed25519-openssl" rows: without sodium-native)\n`);

  const selected = CASES.filter((c) => matches(c.name, args.filter));
  const collected = new Map<string, number[]>(selected.map((c) => [c.name, []]));
  for (let pass = 1; pass <= passes; pass++) {
    for (const c of selected) {
      if (!args.json) process.stderr.write(`  pass ${pass}/${passes}: ${c.name}\n`);
      collected.get(c.name)!.push(...inChild<number[]>(c.name, args));
    }
  }
  const results = selected.map((c) => resultOf(c, collected.get(c.name)!));
  if (results.length > 0 && !args.json) printTable(results);

  let memory: MemoryResult | undefined;
  if (matches('memory topic keys', args.filter)) {
    memory = inChild<MemoryResult>('memory', args);
    const { bytesPerTopic, topics, path, heapUsedBytes, arrayBufferBytes } = memory;
    log(`\nmemory per topic key: ${fmt(bytesPerTopic)} bytes (target <= 200; the C reference needs 64)`);
    log(`  ${topics.toLocaleString('en-US')} topics installed by ${path}`);
    log(`  growth after forced GC: heapUsed ${fmt(heapUsedBytes)} B + arrayBuffers ${fmt(arrayBufferBytes)} B`);
  }
  let siv: SivRow[] | undefined;
  if (args.filter.includes('siv')) {
    siv = inChild<SivRow[]>('siv', args);
    if (!args.json) printSivThreshold(siv);
  }
  let ctaes: CtaesResult | undefined;
  if (args.filter.includes('ctaes')) {
    ctaes = inChild<CtaesResult>('ctaes', args);
    if (!args.json) printCtaes(ctaes);
  }
  let rotation: RotationResult | undefined;
  if (matches('c2 rotation', args.filter)) {
    rotation = inChild<RotationResult>('rotation', args);
    const { clients, seconds, commandsPerSecond, masterKeyCallsPerRotation, unwrapsPerRotation, delivered } = rotation;
    log(`\nC2: rotating a topic of ${clients.toLocaleString('en-US')} clients in local mode (target <= 5 s at 10,000)`);
    log(
      `  ${seconds.toFixed(2)} s until every SetTopicKey was acknowledged (${delivered} delivered), ${fmt(commandsPerSecond)} commands/s`,
    );
    log(`  runs ${rotation.runs.map((r) => r.toFixed(2)).join(', ')} s; setup ${rotation.setupSeconds.toFixed(1)} s`);
    log(`  CPU time per rotation ${rotation.cpuSeconds.toFixed(2)} s (median; local mode is one process)`);
    log(
      `  master-key calls per rotation ${masterKeyCallsPerRotation} (cold cache); key unwraps ${unwrapsPerRotation} (in memory)`,
    );
  }
  let confirmation: RotationResult | undefined;
  if (matches('c2 confirmation', args.filter) && args.filter.length > 0) {
    confirmation = inChild<RotationResult>('confirmation', args);
    const { clients, devices, seconds, confirmedSeconds, confirmations, runs } = confirmation;
    log(
      `\nC2: rotating a topic of ${clients.toLocaleString('en-US')} clients, ${devices} of them real devices sending receipts (targets: all sent <= 5 s, those confirmed <= 10 s)`,
    );
    log(`  ${seconds.toFixed(2)} s until all sent (runs ${runs.map((r) => r.toFixed(2)).join(', ')} s)`);
    log(
      `  ${confirmedSeconds!.toFixed(2)} s until all ${devices} devices confirmed (runs ${confirmations!.map((r) => r.toFixed(2)).join(', ')} s)`,
    );
  }
  let proxy: ProxyRow[] | undefined;
  if (args.filter.includes('proxy')) {
    proxy = inChild<ProxyRow[]>('proxy', args);
    log('\nLocal protection proxy: QoS 1 messages/s from a plain MQTT client to a receiver, 100 in flight (median)');
    for (const row of proxy) {
      log(
        `  ${row.path.padEnd(7)} ${sizeLabel(row.bytes).padEnd(5)} ${fmt(row.msgPerSec).padStart(8)} msg/s (runs ${row.runs.map(fmt).join(', ')})`,
      );
    }
  }
  let bundles: FunctionBundle[] | undefined;
  if (matches('functions bundles lambda', args.filter)) {
    bundles = inChild<FunctionBundle[]>('functions', args);
    log('\nLambda functions (esbuild as the stack builds them; targets <= 500 KB minified, <= 150 ms to initialise)');
    for (const b of bundles) {
      const runs = b.initRuns.map(fmt).join(', ');
      log(`  ${b.name.padEnd(10)} ${fmt(b.bytes / 1000)} KB  init ${fmt(b.initMs)} ms (runs ${runs})`);
    }
  }
  if (args.json) {
    const all = {
      machine,
      results,
      memory: memory ?? null,
      siv: siv ?? null,
      ctaes: ctaes ?? null,
      rotation: rotation ?? null,
      confirmation: confirmation ?? null,
      proxy: proxy ?? null,
    };
    console.log(JSON.stringify({ ...all, functions: bundles ?? null }, null, 2));
  }
}

await main();
