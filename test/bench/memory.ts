/**
 * Memory held per topic key by a gateway-sized client: the growth of `heapUsed + arrayBuffers` (after forced
 * garbage collections) while 100,000 SetTopicKey commands go through the client's real command path (protected by
 * the C2 side, unprotected on the control topic, applied, state saved). The store discards the documents, as a file
 * store keeps nothing in memory, so the figure is what the client itself holds.
 */
import { type CryptoEngine, cmdSetTopicKey, randomKey } from '../../shared/e4/node/index.js';
import { discardingStore, sendCommand, symmetricDevice } from './fixtures.js';

export interface MemoryResult {
  readonly topics: number;
  readonly path: string;
  readonly heapUsedBytes: number;
  readonly arrayBufferBytes: number;
  readonly bytesPerTopic: number;
  readonly seconds: number;
}

async function settledUsage(): Promise<{ heapUsed: number; arrayBuffers: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory figure needs node --expose-gc (npm run bench passes it)');
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

export async function topicKeyMemory(engine: CryptoEngine, topics = 100_000): Promise<MemoryResult> {
  const device = await symmetricDevice('bench-gateway', engine, discardingStore);
  const started = performance.now();
  const before = await settledUsage();
  for (let i = 0; i < topics; i++) {
    // Not awaited one by one: the client coalesces the saves of commands that arrive while it writes.
    void sendCommand(device, cmdSetTopicKey(randomKey(), `gateway/${i}/telemetry`), engine);
  }
  await device.client.flush();
  const after = await settledUsage();
  if (device.client.topicCount !== topics)
    throw new Error(`expected ${topics} topics, got ${device.client.topicCount}`);
  const heapUsedBytes = after.heapUsed - before.heapUsed;
  const arrayBufferBytes = after.arrayBuffers - before.arrayBuffers;
  return {
    topics,
    path: 'SetTopicKey commands on the control topic (E4Client.unprotect)',
    heapUsedBytes,
    arrayBufferBytes,
    bytesPerTopic: (heapUsedBytes + arrayBufferBytes) / topics,
    seconds: (performance.now() - started) / 1000,
  };
}
