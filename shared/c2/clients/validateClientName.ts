import { isWellFormedString, utf8 } from '../../e4/index.js';
import { C2Error, C2ErrorCode } from '../errors.js';

/**
 * Client names: 1..255 bytes of valid UTF-8 (e4go's NameMinLen/NameMaxLen, which its C2 never enforced), without
 * NUL (the store separates names with it).
 */
export function validateClientName(name: unknown): string {
  if (typeof name !== 'string' || !isWellFormedString(name)) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"name" must be a string of valid UTF-8');
  }
  const length = utf8(name).length;
  if (length < 1 || length > 255) throw new C2Error(C2ErrorCode.InvalidInput, '"name" must be 1 to 255 bytes');
  if (name.includes('\u0000')) throw new C2Error(C2ErrorCode.InvalidInput, '"name" must not contain NUL');
  return name;
}
