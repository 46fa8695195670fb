/**
 * Reading operations: one by id, a page of the tenant's (newest first, filtered), a page of an operation's
 * deliveries (client id order, by state). Scoped by tenant: another tenant's operation is NOT_FOUND. Views only
 * (see OperationView.ts): never the key an operation installs.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { mapPage } from '../pages.js';
import type { DeliveryState, OperationFilter, OperationRecord } from '../ports/OperationStore.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { inLinkPass, LINK_PASS, linkPassPage } from './linkPass.js';
import { OPERATION_ID } from './newOperationId.js';
import { type DeliveryView, deliveryView, type OperationView, operationView } from './OperationView.js';
import { validateDeliveryState, validateOperationFilter } from './validateOperationFilter.js';

/** The tenant's operation of that id; NOT_FOUND when there is none or the id cannot be one. */
async function requireOperation(deps: C2Deps, caller: Caller, id: string): Promise<OperationRecord> {
  if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
    throw new C2Error(
      C2ErrorCode.NotFound,
      'no operation with that id (an operation id is 26 characters of Crockford base32)',
    );
  }
  const record = await deps.operations.getOperation(caller.tenantId, id);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no operation with id ${id}`);
  return record;
}

export async function getOperation(deps: C2Deps, caller: Caller, id: string): Promise<OperationView> {
  return operationView(await requireOperation(deps, caller, id));
}

/**
 * Newest first, those matching every field of `filter`. A page may hold fewer than `limit` operations while its
 * cursor says more may follow (the store filters as it reads).
 */
export async function listOperations(
  deps: C2Deps,
  caller: Caller,
  filter: OperationFilter,
  page: PageRequest,
): Promise<Page<OperationView>> {
  const checked = validateOperationFilter(filter);
  const result = await deps.operations.listOperations(caller.tenantId, checked, validatePageRequest(page));
  return mapPage(result, operationView);
}

/**
 * The devices of an operation in client id order, only those in `state` when given; NOT_FOUND without it. While a
 * topic operation is in its first pass, they are read from the topic's links (linkPass.ts): a page may then hold
 * fewer than `limit` devices of the state asked for while its cursor says more may follow.
 */
export async function listDeliveries(
  deps: C2Deps,
  caller: Caller,
  operationId: string,
  filter: { readonly state?: DeliveryState },
  page: PageRequest,
): Promise<Page<DeliveryView>> {
  const state = validateDeliveryState(filter?.state);
  const checkedPage = validatePageRequest(page);
  const operation = await requireOperation(deps, caller, operationId);
  if (inLinkPass(checkedPage.cursor) || (checkedPage.cursor === undefined && inLinkPass(operation.cursor))) {
    // A topic operation's first pass: its devices are the topic's links, `pending` until their outcome is written.
    if (operation.kind !== 'topic.rotate' && operation.kind !== 'link.delete') {
      throw new C2Error(C2ErrorCode.InvalidInput, 'that cursor is not one of this operation');
    }
    const cursor = checkedPage.cursor ?? LINK_PASS;
    const result = await linkPassPage(deps, operation, cursor, checkedPage.limit, true);
    const items = state === undefined ? result.items : result.items.filter((delivery) => delivery.state === state);
    return mapPage({ ...result, items }, deliveryView);
  }
  const result = await deps.operations.listDeliveries(
    caller.tenantId,
    operation.id,
    state === undefined ? {} : { state },
    checkedPage,
  );
  return mapPage(result, deliveryView);
}
