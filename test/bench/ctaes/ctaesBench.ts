/**
 * `npm run bench -- ctaes`: constant-time AES options for the pure engine (issue 15), against PureSivKey's T-tables.
 * All implementations of a case run in one process, alternating within each round (the order rotated round by
 * round), so that a neighbour's load weighs on all alike; the figure kept is the median over the rounds of each
 * implementation's rate divided by the T-tables' rate in the same round.
 *
 * Cases: the block function one block at a time, chained (CMAC is serial) and in parallel groups (CTR), in blocks/s;
 * then whole AES-SIV seals (into a fresh frame, as protectMessage does) at 64 B, 1 KiB and 64 KiB, in msg/s. The
 * WebAssembly seals include the copy in and out and the call; WebCrypto's are awaited one message at a time.
 */
import { loadavg } from 'node:os';
import { unsafe } from '@noble/ciphers/aes.js';
import { aes, PureSivKey, R } from '../../../shared/e4/crypto/PureSivKey.js';
import { median, QUICK, type Timing } from '../measure.js';
import { BitslicedAes, OUT } from './BitslicedAes.js';
import { BitslicedSivKey } from './BitslicedSivKey.js';
import { loadWasm, WASM_BLOCKS, WasmSivKey } from './WasmSivKey.js';
import { WebCryptoSivKey } from './webCryptoSeal.js';

export interface CtaesRow {
  readonly case: string;
  readonly impl: string;
  readonly constantTime: boolean;
  /** Median rate over the rounds (blocks/s or msg/s, see `unit`). */
  readonly rate: number;
  readonly unit: 'blocks/s' | 'msg/s';
  /** Median over the rounds of rate / the T-tables' rate in the same round, and the extremes. */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
}

export interface CtaesResult {
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
  readonly rows: CtaesRow[];
}

interface Impl {
  readonly name: string;
  readonly constantTime: boolean;
  /** One operation; returns how many units (blocks or messages) it did. */
  readonly op: () => number | Promise<number>;
  readonly async?: boolean;
}

interface Case {
  readonly name: string;
  readonly unit: 'blocks/s' | 'msg/s';
  /** The first is the T-table baseline. */
  readonly impls: Impl[];
}

async function rate(impl: Impl, seconds: number): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let units = 0;
  let now = start;
  do {
    if (impl.async) {
      for (let i = 0; i < 8; i++) units += await impl.op();
    } else {
      for (let i = 0; i < 64; i++) units += impl.op() as number;
    }
    now = performance.now();
  } while (now < end);
  return (units * 1000) / (now - start);
}

function expand(key: Uint8Array): Int32Array {
  const e = unsafe.expandKeyLE(key);
  return new Int32Array(e.buffer, e.byteOffset, e.length);
}

async function cases(): Promise<Case[]> {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const ad = Uint8Array.from({ length: 8 }, (_, i) => i);
  const xk = expand(key);
  const bitsliced = new BitslicedAes(xk);
  const wasmScalar = new WasmSivKey(await loadWasm('scalar'), key);
  const wasmSimd = new WasmSivKey(await loadWasm('simd'), key);
  const webCrypto = await WebCryptoSivKey.create(key);
  const seals = {
    table: new PureSivKey(key),
    bitsliced: new BitslicedSivKey(key),
    wasmScalar,
    wasmSimd,
  };
  let s0 = 1;
  let s1 = 2;
  let s2 = 3;
  let s3 = 4;
  const CHAIN = 256;
  const PARALLEL = 64;
  const list: Case[] = [
    {
      name: 'block, one at a time, chained (CMAC)',
      unit: 'blocks/s',
      impls: [
        {
          name: 'T-tables (PureSivKey)',
          constantTime: false,
          op: () => {
            aes(xk, s0, s1, s2, s3);
            s0 = R[0]!;
            s1 = R[1]!;
            s2 = R[2]!;
            s3 = R[3]!;
            return 1;
          },
        },
        {
          name: 'bitsliced TS',
          constantTime: true,
          op: () => {
            bitsliced.encrypt2(s0, s1, s2, s3, 0, 0, 0, 0);
            s0 = OUT[0]!;
            s1 = OUT[1]!;
            s2 = OUT[2]!;
            s3 = OUT[3]!;
            return 1;
          },
        },
        {
          name: 'WASM scalar',
          constantTime: true,
          op: () => {
            wasmScalar.exports.chain(CHAIN);
            return CHAIN;
          },
        },
        {
          name: 'WASM SIMD',
          constantTime: true,
          op: () => {
            wasmSimd.exports.chain(CHAIN);
            return CHAIN;
          },
        },
      ],
    },
    {
      name: 'blocks in parallel (CTR)',
      unit: 'blocks/s',
      impls: [
        {
          name: 'T-tables (PureSivKey)',
          constantTime: false,
          op: () => {
            s3 = (s3 + 1) | 0;
            aes(xk, s0, s1, s2, s3);
            return 1;
          },
        },
        {
          name: 'bitsliced TS (2 per call)',
          constantTime: true,
          op: () => {
            s3 = (s3 + 2) | 0;
            bitsliced.encrypt2(s0, s1, s2, s3, s0, s1, s2, s3 + 1);
            return 2;
          },
        },
        {
          name: 'WASM scalar (2 per call)',
          constantTime: true,
          op: () => {
            wasmScalar.exports.ecb(PARALLEL);
            return PARALLEL * WASM_BLOCKS.scalar;
          },
        },
        {
          name: 'WASM SIMD (8 per call)',
          constantTime: true,
          op: () => {
            wasmSimd.exports.ecb(PARALLEL);
            return PARALLEL * WASM_BLOCKS.simd;
          },
        },
      ],
    },
  ];
  for (const bytes of [64, 1024, 65536]) {
    const plaintext = Uint8Array.from({ length: bytes }, (_, i) => i);
    const sealWith = (k: { sealInto(ad: Uint8Array, p: Uint8Array, out: Uint8Array, offset: number): void }) => () => {
      k.sealInto(ad, plaintext, new Uint8Array(16 + bytes), 0);
      return 1;
    };
    list.push({
      name: `AES-SIV seal ${bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`}`,
      unit: 'msg/s',
      impls: [
        { name: 'T-tables (PureSivKey)', constantTime: false, op: sealWith(seals.table) },
        { name: 'bitsliced TS', constantTime: true, op: sealWith(seals.bitsliced) },
        { name: 'WASM scalar', constantTime: true, op: sealWith(seals.wasmScalar) },
        { name: 'WASM SIMD', constantTime: true, op: sealWith(seals.wasmSimd) },
        {
          name: 'WebCrypto CBC+CTR (async)',
          constantTime: true,
          async: true,
          op: async () => {
            await webCrypto.seal(ad, plaintext);
            return 1;
          },
        },
      ],
    });
  }
  return list;
}

export async function ctaesBench(timing: Timing): Promise<CtaesResult> {
  const quick = timing === QUICK;
  const rounds = quick ? 3 : 9;
  const roundSeconds = quick ? 0.1 : 0.25;
  const loadBefore = loadavg();
  const rows: CtaesRow[] = [];
  for (const c of await cases()) {
    for (const impl of c.impls) await rate(impl, timing.warmupSeconds);
    const rates: number[][] = c.impls.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < c.impls.length; j++) {
        const i = (j + r) % c.impls.length;
        rates[i]!.push(await rate(c.impls[i]!, roundSeconds));
      }
    }
    c.impls.forEach((impl, i) => {
      const ratios = rates[i]!.map((v, r) => v / rates[0]![r]!);
      rows.push({
        case: c.name,
        impl: impl.name,
        constantTime: impl.constantTime,
        rate: median(rates[i]!),
        unit: c.unit,
        ratio: median(ratios),
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
      });
    });
  }
  return { rounds, roundSeconds, loadBefore, loadAfter: loadavg(), rows };
}

export function printCtaes(result: CtaesResult): void {
  const load = (l: number[]): string => l.map((v) => v.toFixed(1)).join(' ');
  console.log(
    `\nConstant-time AES for the pure engine: ${result.rounds} alternating rounds of ${result.roundSeconds} s per implementation; ` +
      `load average ${load(result.loadBefore)} -> ${load(result.loadAfter)}`,
  );
  let last = '';
  for (const row of result.rows) {
    if (row.case !== last) console.log(`  ${row.case}`);
    last = row.case;
    const rate = Math.round(row.rate).toLocaleString('en-US');
    console.log(
      `    ${row.impl.padEnd(27)} ${row.constantTime ? 'CT ' : '   '} ${rate.padStart(12)} ${row.unit.padEnd(8)} ` +
        `${row.ratio.toFixed(2)}x (rounds ${row.ratioMin.toFixed(2)}-${row.ratioMax.toFixed(2)})`,
    );
  }
}
