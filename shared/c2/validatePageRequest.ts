import { C2Error, C2ErrorCode } from './errors.js';
import type { PageRequest } from './ports.js';

/** A page request of the API: `limit` 1..100, `cursor` a string when present. */
export function validatePageRequest(page: PageRequest): PageRequest {
  if (!Number.isSafeInteger(page?.limit) || page.limit < 1 || page.limit > 100) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"limit" must be an integer from 1 to 100');
  }
  if (page.cursor !== undefined && typeof page.cursor !== 'string') {
    throw new C2Error(C2ErrorCode.InvalidInput, '"cursor" must be a string');
  }
  return page;
}
