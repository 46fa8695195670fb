import { C2Error, C2ErrorCode } from './errors.js';

/** The `rekey` option of unlink, delete and reset: true unless false is given. */
export function checkRekey(rekey: unknown): boolean {
  if (rekey === undefined) return true;
  if (typeof rekey !== 'boolean') throw new C2Error(C2ErrorCode.InvalidInput, '"rekey" must be a boolean');
  return rekey;
}
