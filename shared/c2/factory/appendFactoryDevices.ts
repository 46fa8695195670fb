/**
 * Adds devices to an existing factory batch, at most {@link MAX_BATCH_DEVICES} a call, so that a manufacturer
 * registers thousands in calls that each end well within a request's time. Idempotent per device: a device the
 * batch holds already with the same key is answered `exists` without a code (codes are answered once, by the call
 * that wrote the device), so a call that failed or timed out is made again, and the codes it never answered are
 * reissued (reissueClaimCode.ts); a name held by a tenant or another batch, or held by the batch with another key,
 * refuses the whole call (409 ALREADY_EXISTS naming the devices). Each call is a `factory.batch.append` event.
 * See factoryDevices.ts for the writes and what a failure leaves.
 */
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { type FactoryBatchView, factoryBatchView } from './FactoryBatchView.js';
import {
  checkFactoryDevices,
  type FactoryDeviceInput,
  namesHeldElsewhere,
  notAvailable,
  type WrittenFactoryDevice,
  writeFactoryDevices,
} from './factoryDevices.js';
import { requireFactoryBatch } from './readFactoryBatches.js';

export interface AppendedFactoryDevices {
  readonly batch: FactoryBatchView;
  /** Each device in the order given, with its claim code when this call wrote it (shown once). */
  readonly devices: WrittenFactoryDevice[];
}

export async function appendFactoryDevices(
  deps: C2Deps,
  caller: Caller,
  batchId: string,
  input: readonly FactoryDeviceInput[],
): Promise<AppendedFactoryDevices> {
  const checked = checkFactoryDevices(input);
  const batch = await requireFactoryBatch(deps, batchId);
  const taken = await namesHeldElsewhere(deps, batchId, checked);
  if (taken.length > 0) throw notAvailable(taken);
  const now = new Date(deps.clock()).toISOString();
  return audited(deps, caller, 'factory.batch.append', { type: 'factory-batch', name: batchId }, async () => {
    const devices = await writeFactoryDevices(deps, batchId, checked, now);
    const created = devices.filter((device) => device.status === 'created').length;
    return {
      value: { batch: factoryBatchView(batch, await deps.store.countFactoryDevices(batchId)), devices },
      details: { devices: checked.length, created },
    };
  });
}
