/**
 * Password keys in worker threads (local mode): the e4go vector, the queue bound (BUSY at once, the others still
 * derived), a refused password, and close.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPasswordKeyDeriver } from '../../../shared/adapters/local/WorkerPasswordKeyDeriver.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { codeOfAsync } from '../../support/codeOf.js';

const vectors = JSON.parse(readFileSync(new URL('../../vectors/data/e4go-vectors.json', import.meta.url), 'utf8'));
const VECTOR: { password: string; derive_sym_key_hex: string } = vectors.password_keys[0];

const opened: WorkerPasswordKeyDeriver[] = [];
const deriver = (options?: ConstructorParameters<typeof WorkerPasswordKeyDeriver>[0]) => {
  const made = new WorkerPasswordKeyDeriver(options);
  opened.push(made);
  return made;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

describe('WorkerPasswordKeyDeriver', () => {
  it("derives e4go's key of the vector password (password_keys), in a worker thread", async () => {
    const key = await deriver().deriveSymKey(VECTOR.password);
    expect(bytesToHex(key)).toBe(VECTOR.derive_sym_key_hex);
  });

  it('refuses at once (BUSY) past its queue, and still derives the ones it took', async () => {
    // Prepare: one thread, one waiting.
    const keys = deriver({ workers: 1, maxQueued: 1 });

    // Act
    const running = keys.deriveSymKey(VECTOR.password);
    const waiting = keys.deriveSymKey(VECTOR.password);
    const refused = await codeOfAsync(() => keys.deriveSymKey(VECTOR.password));

    // Assess
    expect(refused).toBe('BUSY');
    expect(bytesToHex(await running)).toBe(VECTOR.derive_sym_key_hex);
    expect(bytesToHex(await waiting)).toBe(VECTOR.derive_sym_key_hex);
  });

  it('passes a password E4 refuses back as its E4Error (INVALID_PASSWORD)', async () => {
    expect(await codeOfAsync(() => deriver().deriveSymKey('short'))).toBe('INVALID_PASSWORD');
  });

  it('rejects what waits when closed, and anything after', async () => {
    // Prepare
    const keys = deriver({ workers: 1, maxQueued: 1 });
    const running = keys.deriveSymKey(VECTOR.password).catch((error: Error) => error);
    const waiting = keys.deriveSymKey(VECTOR.password).catch((error: Error) => error);

    // Act
    await keys.close();

    // Assess
    expect(await running).toBeInstanceOf(Error);
    expect(await waiting).toBeInstanceOf(Error);
    await expect(keys.deriveSymKey(VECTOR.password)).rejects.toThrow(/closed/);
  });
});
