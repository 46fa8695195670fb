/**
 * A manufacturer (the platform operator) registers a batch of devices with their keys (symmetric) or Ed25519
 * public keys, owned by no tenant yet; each gets a claim code, answered once (for its label) and stored as a hash
 * (claimCode.ts). At most {@link MAX_BATCH_DEVICES} devices per call: more are added to the batch by
 * appendFactoryDevices.ts, a call at a time.
 *
 * The names' E4 ids are checked first (one held by a tenant or another batch refuses the whole batch, naming the
 * devices), then the batch is written and its devices (factoryDevices.ts). Should an id be taken between the check
 * and the reservation, or a reservation or write fail (KMS, the store), the devices' writes are undone and the batch
 * deleted as far as they can be (best effort), and the call fails with its error; when something could not be undone
 * the batch is kept, its message (the log's; a 5xx answer hides it) names it and the failed `factory.batch.create`
 * event (whose target is the batch) says `leftBehind`. A crash midway, or
 * such a leftover, leaves a batch with some devices whose codes no one saw: give them new codes (POST
 * .../devices/{clientId}/code, reissueClaimCode.ts; the CLI's append of the same file does), or delete them (DELETE
 * .../devices/{clientId}, which also frees a reservation without a device) and register them again.
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { FactoryBatchRecord } from '../ports/FactoryBatchStore.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type FactoryBatchView, factoryBatchView } from './FactoryBatchView.js';
import {
  checkFactoryDevices,
  type FactoryDeviceInput,
  leftSomething,
  namesHeldElsewhere,
  notAvailable,
  writeFactoryDevices,
} from './factoryDevices.js';

export { type FactoryDeviceInput, MAX_BATCH_DEVICES } from './factoryDevices.js';

export interface FactoryBatchInput {
  readonly name: string;
  readonly devices: readonly FactoryDeviceInput[];
}

export interface RegisteredFactoryBatch {
  readonly batch: FactoryBatchView;
  /** Each device with its claim code: shown once. */
  readonly devices: { readonly name: string; readonly id: string; readonly code: string }[];
}

export async function registerFactoryBatch(
  deps: C2Deps,
  caller: Caller,
  input: FactoryBatchInput,
): Promise<RegisteredFactoryBatch> {
  if (input === null || typeof input !== 'object') {
    throw new C2Error(C2ErrorCode.InvalidInput, 'expected an object');
  }
  const name = validateClientName(input.name);
  const checked = checkFactoryDevices(input.devices);
  const now = new Date(deps.clock()).toISOString();
  const batch: FactoryBatchRecord = {
    id: bytesToHex(randomBytesOf(deps)(8)),
    name,
    actor: caller.actor,
    createdAt: now,
  };
  const taken = await namesHeldElsewhere(deps, batch.id, checked);
  if (taken.length > 0) throw notAvailable(taken);
  return audited(deps, caller, 'factory.batch.create', { type: 'factory-batch', name: batch.id }, async () => {
    await deps.store.createFactoryBatch(batch);
    let written: Awaited<ReturnType<typeof writeFactoryDevices>>;
    try {
      written = await writeFactoryDevices(deps, batch.id, checked, now);
    } catch (error) {
      // writeFactoryDevices undid its own writes, or its error names the batch when it could not.
      if (!leftSomething(error)) await deps.store.deleteFactoryBatch(batch.id).catch(() => undefined);
      throw error;
    }
    const devices = written.map((device) => {
      if (device.status !== 'created') throw new Error(`a new batch holds "${device.name}" already`);
      return { name: device.name, id: device.id, code: device.code };
    });
    return {
      value: { batch: factoryBatchView(batch, { devices: checked.length, claimed: 0 }), devices },
      details: { name, devices: checked.length },
    };
  });
}
