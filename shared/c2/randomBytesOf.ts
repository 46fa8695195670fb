import { randomBytes } from '@noble/hashes/utils.js';
import type { C2Deps } from './C2Deps.js';

/** The random source of a composition (injectable for tests), defaulting to the platform's CSPRNG. */
export function randomBytesOf(deps: Pick<C2Deps, 'random'>): (length: number) => Uint8Array {
  return deps.random ?? randomBytes;
}
