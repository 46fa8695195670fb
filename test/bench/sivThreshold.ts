/**
 * `npm run bench -- siv`: the raw AES-SIV contexts, pure (PureSivKey) against OpenSSL (NodeSivKey with its
 * threshold lowered to 16 bytes), around NODE_SIV_THRESHOLD. Both run in one process, alternating run by run, so
 * that a noisy neighbour weighs on both alike; the size from which OpenSSL wins is where the threshold belongs.
 */
import { PureSivKey } from '../../shared/e4/crypto/PureSivKey.js';
import { NODE_SIV_THRESHOLD, NodeSivKey } from '../../shared/e4/node/index.js';
import { median, type Timing } from './measure.js';

export interface SivRow {
  readonly bytes: number;
  /** Median messages per second: seal (into a fresh frame, as protectMessage does) and open. */
  readonly sealPure: number;
  readonly sealOpenSsl: number;
  readonly openPure: number;
  readonly openOpenSsl: number;
}

export const SIV_SIZES = [64, 96, 112, 128, 144, 160, 192, 256, 512, 1024];

function rate(op: () => unknown, seconds: number): number {
  const start = performance.now();
  let count = 0;
  let now = start;
  do {
    for (let i = 0; i < 64; i++) op();
    count += 64;
    now = performance.now();
  } while (now - start < seconds * 1000);
  return (count * 1000) / (now - start);
}

export function sivThreshold(timing: Timing): SivRow[] {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const ad = Uint8Array.from({ length: 8 }, (_, i) => i);
  return SIV_SIZES.map((bytes) => {
    const plaintext = Uint8Array.from({ length: bytes }, (_, i) => i);
    const contexts = [new PureSivKey(key), new NodeSivKey(key, 16)];
    const sealed = new Uint8Array(16 + bytes);
    contexts[0]!.sealInto(ad, plaintext, sealed, 0);
    const ops = contexts.flatMap((siv) => [
      () => {
        const frame = new Uint8Array(24 + bytes);
        siv.sealInto(ad, plaintext, frame, 8);
        return frame;
      },
      () => siv.open(ad, sealed),
    ]);
    const rates: number[][] = ops.map(() => []);
    for (const op of ops) rate(op, timing.warmupSeconds / ops.length);
    for (let run = 0; run < timing.passes * timing.runs; run++) {
      ops.forEach((op, i) => {
        rates[i]!.push(rate(op, timing.runSeconds / 2));
      });
    }
    const [sealPure, openPure, sealOpenSsl, openOpenSsl] = rates.map(median) as [number, number, number, number];
    return { bytes, sealPure, sealOpenSsl, openPure, openOpenSsl };
  });
}

export function printSivThreshold(rows: SivRow[]): void {
  const k = (n: number): string => `${Math.round(n / 1000)}k`.padStart(6);
  console.log(
    `\nraw AES-SIV, msg/s (NODE_SIV_THRESHOLD = ${NODE_SIV_THRESHOLD}: below it NodeSivKey uses the pure path)`,
  );
  console.log('  size   seal pure  seal openssl   open pure  open openssl');
  for (const r of rows) {
    console.log(
      `${String(r.bytes).padStart(6)}      ${k(r.sealPure)}        ${k(r.sealOpenSsl)}      ${k(r.openPure)}        ${k(r.openOpenSsl)}`,
    );
  }
}
