/**
 * One case of `npm run bench` in a plain loop, for profilers: `node --import tsx test/bench/profileLoop.ts
 * [bytes] [protect|unprotect] [symmetric|pubkey]`, under `node --cpu-prof` or `perf record -g` with
 * `node --perf-basic-prof` (docs/benchmarks.md, "Where the time goes"). Prints wall and CPU time per message for five
 * rounds of 200,000 calls (CPU time is the steadier figure on a shared machine; it includes V8's helper threads).
 */
import { nodeEngine } from '../../shared/e4/node/index.js';
import { makePair } from './fixtures.js';

const size = Number(process.argv[2] ?? 1024);
const op = process.argv[3] ?? 'protect';
const mode = (process.argv[4] ?? 'symmetric') as 'symmetric' | 'pubkey';
const { sender, receiver, topic } = await makePair(mode, nodeEngine);
const payload = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
const messages = Array.from({ length: 8 }, () => sender.protectMessage(payload, topic));
let next = 0;
const call =
  op === 'protect'
    ? () => sender.protectMessage(payload, topic)
    : () => receiver.unprotect(messages[next++ & 7]!, topic);
const calls = mode === 'pubkey' ? 20_000 : 200_000;
for (let i = 0; i < calls / 4; i++) call();
for (let round = 0; round < 5; round++) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i++) call();
  const wall = ((performance.now() - start) * 1000) / calls;
  const used = process.cpuUsage(cpu);
  const cpuMicros = (used.user + used.system) / calls;
  console.log(
    `${mode} ${op} ${size} B: ${wall.toFixed(2)} µs wall, ${cpuMicros.toFixed(2)} µs CPU, ${Math.round(1e3 / wall)}k msg/s`,
  );
}
