/**
 * The memory of the frames protect returns: frames of up to {@link MAX_POOLED_FRAME} bytes are views carved one
 * after the other from shared 64 KiB slabs, as Node's `Buffer.allocUnsafe` pool does, instead of an `ArrayBuffer`
 * each. An `ArrayBuffer` of more than 64 bytes is malloc'ed memory that V8 frees on a background thread; at device
 * message sizes that costs more than the AES work (docs/benchmarks.md, "Where the time goes"). A view costs a small
 * object on the JavaScript heap; a slab is one allocation for dozens of frames.
 *
 * What callers see: a frame is a plain `Uint8Array` of its own length, zeroed when carved (a slab is new memory,
 * never reused: slots are not recycled, a slab is dropped when full and freed once no frame of it is alive). Frames
 * of one slab share its `ArrayBuffer`: `frame.buffer` is the slab (use `frame.byteOffset` and `frame.length`), and
 * transferring or detaching it (`postMessage` with a transfer list, `structuredClone(..., { transfer })`) would empty
 * its neighbours, so copy a frame before transferring it. Frames hold ciphertext and public headers only: plaintexts
 * are never carved from a slab.
 */

/** Bytes of a slab. */
export const FRAME_SLAB_BYTES = 64 * 1024;
/** Largest frame carved from a slab; larger frames get an ArrayBuffer of their own. */
export const MAX_POOLED_FRAME = 8 * 1024;

let slab = new ArrayBuffer(0);
let used = 0;

/** A zeroed Uint8Array of `length` bytes for a frame (see the file's comment for what sharing a slab means). */
export function allocateFrame(length: number): Uint8Array {
  if (length > MAX_POOLED_FRAME) return new Uint8Array(length);
  if (used + length > slab.byteLength) {
    slab = new ArrayBuffer(FRAME_SLAB_BYTES);
    used = 0;
  }
  const frame = new Uint8Array(slab, used, length);
  // The next frame starts 8-byte aligned, so that word-wise reads and writes of a frame stay aligned.
  used = (used + length + 7) & ~7;
  return frame;
}
