import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { EventRecord } from '../ports.js';

/** Writes an event-log entry; one written already (the same id: a retry) is left as it is. */
export async function writeEvent(deps: C2Deps, event: EventRecord): Promise<void> {
  try {
    await deps.store.appendEvent(event);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists)) throw error;
  }
}
