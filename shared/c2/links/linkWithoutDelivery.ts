/**
 * Links a client whose key is not to be trusted yet (enrolled by trust on first use, or claimed from a factory batch:
 * flagged `rekeyOnReturn`) to topics: links/linkClient.ts without delivery, so each link is made under the topic's
 * lease, its mode checked again and a `link.create` event written, and no topic key goes out under that key (the
 * resync after the new identity key sends them). A topic deleted meanwhile, taken by clients of the other mode, or
 * busy past the lease's wait is skipped (its failed `link.create` event says why): the client exists by then, and
 * failing its enrolment would leave the device unable to try again. The answer lists the topics linked.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Caller } from '../ports.js';
import { linkClient } from './linkClient.js';

const SKIPPED: readonly C2ErrorCode[] = [C2ErrorCode.NotFound, C2ErrorCode.InvalidInput, C2ErrorCode.ConcurrentUpdate];

export async function linkWithoutDelivery(
  deps: C2Deps,
  caller: Caller,
  client: string,
  topics: readonly string[],
): Promise<string[]> {
  const linked: string[] = [];
  for (const topic of topics) {
    try {
      await linkClient(deps, caller, { topic, client }, { deliver: false });
      linked.push(topic);
    } catch (error) {
      if (!(error instanceof C2Error && SKIPPED.includes(error.code))) throw error;
    }
  }
  return linked;
}
