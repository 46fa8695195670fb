/**
 * Closes an enrolment window before its time: the window first (enrolments are refused from then on, whatever
 * the token), then its token revoked. Idempotent: closing a closed window revokes its token again if a crash left
 * it, and answers the window as it is.
 */

import { revokeApiKey } from '../apiKeys/revokeApiKey.js';
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { type EnrolmentWindowView, enrolmentWindowView } from './EnrolmentWindowView.js';
import { requireEnrolmentWindow } from './readEnrolmentWindows.js';

export async function closeEnrolmentWindow(deps: C2Deps, caller: Caller, id: string): Promise<EnrolmentWindowView> {
  const { tenantId } = caller;
  const window = await requireEnrolmentWindow(deps, tenantId, id);
  if (window.closedAt === undefined) {
    const at = new Date(deps.clock()).toISOString();
    await audited(deps, caller, 'enrolment.close', { type: 'enrolment-window', name: id }, async () => {
      await deps.store.closeEnrolmentWindow(tenantId, id, at);
      return { value: undefined, details: { enrolled: window.enrolled } };
    });
  }
  const key = await deps.store.getApiKey(tenantId, id);
  if (key && key.revokedAt === undefined) await revokeApiKey(deps, caller, id);
  return enrolmentWindowView(await requireEnrolmentWindow(deps, tenantId, id), deps.clock());
}
