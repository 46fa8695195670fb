/**
 * WRONG_MODE when one of `topics` holds clients of the other mode than `mode` (a topic's clients share one mode, as
 * links/linkClient.ts requires): checked before an enrolment or a claim takes anything, so that a device is refused
 * rather than enrolled without its topics (linkClient checks again under each topic's lease). Topics that do not
 * exist are passed over.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { ClientRecord } from '../ports.js';

export async function refuseOtherModes(
  deps: C2Deps,
  tenantId: string,
  topics: readonly string[],
  mode: ClientRecord['mode'],
): Promise<void> {
  for (const topic of topics) {
    const { items } = await deps.store.listClientsOfTopic(tenantId, topic, { limit: 1 });
    const [member] = await deps.store.getClients(tenantId, items);
    if (member && member.mode !== mode) {
      throw new C2Error(C2ErrorCode.WrongMode, `topic "${topic}" has ${member.mode} clients, not ${mode} ones`);
    }
  }
}
