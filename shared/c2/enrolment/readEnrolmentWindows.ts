/** Reads enrolment windows: one by id (NOT_FOUND without it), or a page in id order; each with its status now. */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { mapPage } from '../pages.js';
import type { EnrolmentWindowRecord } from '../ports/EnrolmentWindowStore.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type EnrolmentWindowView, enrolmentWindowView } from './EnrolmentWindowView.js';

export async function requireEnrolmentWindow(
  deps: C2Deps,
  tenantId: string,
  id: string,
): Promise<EnrolmentWindowRecord> {
  const window = await deps.store.getEnrolmentWindow(tenantId, id);
  if (!window) throw new C2Error(C2ErrorCode.NotFound, `no enrolment window "${id}"`);
  return window;
}

export async function getEnrolmentWindow(deps: C2Deps, caller: Caller, id: string): Promise<EnrolmentWindowView> {
  return enrolmentWindowView(await requireEnrolmentWindow(deps, caller.tenantId, id), deps.clock());
}

export async function listEnrolmentWindows(
  deps: C2Deps,
  caller: Caller,
  page: PageRequest,
): Promise<Page<EnrolmentWindowView>> {
  const records = await deps.store.listEnrolmentWindows(caller.tenantId, validatePageRequest(page));
  const now = deps.clock();
  return mapPage(records, (record) => enrolmentWindowView(record, now));
}
