/** Reads factory batches (platform records): one by id (NOT_FOUND without it) with its counts, a page of them, a page of a batch's devices. */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { forEachAtMost } from '../forEachAtMost.js';
import type { FactoryBatchRecord } from '../ports/FactoryBatchStore.js';
import type { Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type FactoryBatchView, factoryBatchView } from './FactoryBatchView.js';
import { type FactoryDeviceView, factoryDeviceView } from './FactoryDeviceView.js';

export async function requireFactoryBatch(deps: C2Deps, id: string): Promise<FactoryBatchRecord> {
  const batch = await deps.store.getFactoryBatch(id);
  if (!batch) throw new C2Error(C2ErrorCode.NotFound, `no factory batch "${id}"`);
  return batch;
}

/** Batches counted at once. */
const LANES = 8;

const viewOf = async (deps: C2Deps, record: FactoryBatchRecord): Promise<FactoryBatchView> =>
  factoryBatchView(record, await deps.store.countFactoryDevices(record.id));

export async function getFactoryBatch(deps: C2Deps, id: string): Promise<FactoryBatchView> {
  return viewOf(deps, await requireFactoryBatch(deps, id));
}

/**
 * Each batch of the page counted: a query of its devices each (only their claim read: a query page
 * per thousands of devices), {@link LANES} at once. A page of n batches costs n queries: the operator's
 * listing, rare, not worth counters on the batch record that claims and deletes would have to keep right.
 */
export async function listFactoryBatches(deps: C2Deps, page: PageRequest): Promise<Page<FactoryBatchView>> {
  const { items, cursor } = await deps.store.listFactoryBatches(validatePageRequest(page));
  const views: FactoryBatchView[] = new Array(items.length);
  await forEachAtMost(
    LANES,
    items.map((record, index) => ({ record, index })),
    async ({ record, index }) => {
      views[index] = await viewOf(deps, record);
    },
  );
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
