/** What the API shows of a factory batch: its counts, never codes or keys. Pure. */
import type { FactoryBatchRecord } from '../ports/FactoryBatchStore.js';

export interface FactoryBatchView {
  readonly id: string;
  readonly name: string;
  /** Devices it holds now (registered, less those deleted). */
  readonly devices: number;
  readonly claimed: number;
  readonly unclaimed: number;
  readonly createdAt: string;
}

export function factoryBatchView(
  record: FactoryBatchRecord,
  counts: { readonly devices: number; readonly claimed: number },
): FactoryBatchView {
  const { id, name, createdAt } = record;
  return {
    id,
    name,
    devices: counts.devices,
    claimed: counts.claimed,
    unclaimed: counts.devices - counts.claimed,
    createdAt,
  };
}
