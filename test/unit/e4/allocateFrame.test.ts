/**
 * Frames carved from shared slabs (shared/e4/framing/allocateFrame.ts): each zeroed, of its own length, never
 * overlapping another live frame, 8-byte aligned; large frames on memory of their own; and the frames protect
 * returns, which use it, still carry exactly what they did (the vector suite checks their bytes).
 */
import { describe, expect, it } from 'vitest';
import { allocateFrame, FRAME_SLAB_BYTES, MAX_POOLED_FRAME } from '../../../shared/e4/framing/allocateFrame.js';
import { protectSymKey, randomKey, unprotectSymKey } from '../../../shared/e4/node/index.js';

describe('allocateFrame', () => {
  it('carves zeroed, 8-byte aligned frames that never overlap, until a slab is full, then starts another', () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      const frame = allocateFrame(1 + ((i * 37) % 700));
      expect(frame.every((b) => b === 0)).toBe(true);
      expect(frame.byteOffset % 8).toBe(0);
      frame.fill(1 + (i % 255));
      frames.push(frame);
    }
    const slabs = new Set(frames.map((f) => f.buffer));
    expect(slabs.size).toBeGreaterThan(1);
    for (const slab of slabs) {
      expect(slab.byteLength).toBe(FRAME_SLAB_BYTES);
      const inSlab = frames.filter((f) => f.buffer === slab).sort((a, b) => a.byteOffset - b.byteOffset);
      for (let i = 1; i < inSlab.length; i++) {
        expect(inSlab[i]!.byteOffset).toBeGreaterThanOrEqual(inSlab[i - 1]!.byteOffset + inSlab[i - 1]!.length);
      }
    }
    // Each frame still holds its own value after every later frame was written
    expect(frames.filter((f, i) => !f.every((b) => b === 1 + (i % 255)))).toEqual([]);
  });

  it('gives a frame above the limit an ArrayBuffer of its own', () => {
    const large = allocateFrame(MAX_POOLED_FRAME + 1);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(MAX_POOLED_FRAME + 1);
    expect(allocateFrame(MAX_POOLED_FRAME).buffer.byteLength).toBe(FRAME_SLAB_BYTES);
  });

  it('protected frames from one slab stay independent: each opens to its own payload', () => {
    const key = randomKey();
    const payloads = Array.from({ length: 200 }, (_, i) => new Uint8Array(1 + i * 5).fill(i));
    const frames = payloads.map((p) => protectSymKey(p, key, { timestamp: 1_700_000_000 }));
    expect(new Set(frames.map((f) => f.buffer)).size).toBeLessThan(frames.length);
    const now = { seconds: 1_700_000_000, nanos: 0 };
    expect(frames.map((frame) => unprotectSymKey(frame, key, { now }))).toEqual(payloads);
  });
});
