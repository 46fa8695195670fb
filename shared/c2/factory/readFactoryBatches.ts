/** Reads factory batches (platform records): one by id (NOT_FOUND without it) with its counts, a page of them, a page of a batch's devices. */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { FactoryBatchRecord } from '../ports/FactoryBatchStore.js';
import type { Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import {
  type FactoryBatchView,
  type FactoryDeviceView,
  factoryBatchView,
  factoryDeviceView,
} from './FactoryBatchView.js';

export async function requireFactoryBatch(deps: C2Deps, id: string): Promise<FactoryBatchRecord> {
  const batch = await deps.store.getFactoryBatch(id);
  if (!batch) throw new C2Error(C2ErrorCode.NotFound, `no factory batch "${id}"`);
  return batch;
}

const viewOf = async (deps: C2Deps, record: FactoryBatchRecord): Promise<FactoryBatchView> =>
  factoryBatchView(record, await deps.store.countFactoryDevices(record.id));

export async function getFactoryBatch(deps: C2Deps, id: string): Promise<FactoryBatchView> {
  return viewOf(deps, await requireFactoryBatch(deps, id));
}

/** Each batch of the page counted (a query of its devices: a batch holds at most 1,000). */
export async function listFactoryBatches(deps: C2Deps, page: PageRequest): Promise<Page<FactoryBatchView>> {
  const { items, cursor } = await deps.store.listFactoryBatches(validatePageRequest(page));
  const views = await Promise.all(items.map((record) => viewOf(deps, record)));
  return { items: views, ...(cursor === undefined ? {} : { cursor }) };
}

export async function listFactoryDevices(
  deps: C2Deps,
  batchId: string,
  page: PageRequest,
): Promise<Page<FactoryDeviceView>> {
  await requireFactoryBatch(deps, batchId);
  const { items, cursor } = await deps.store.listFactoryDevices(batchId, validatePageRequest(page));
  return { items: items.map(factoryDeviceView), ...(cursor === undefined ? {} : { cursor }) };
}
