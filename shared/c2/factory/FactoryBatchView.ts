/** What the API shows of a factory batch (counts, never codes or keys) and of its devices. Pure. */
import { bytesToHex } from '../../e4/index.js';
import type { FactoryBatchRecord, FactoryDeviceRecord } from '../ports/FactoryBatchStore.js';

export interface FactoryBatchView {
  readonly id: string;
  readonly name: string;
  /** Devices it holds now (registered, less those deleted). */
  readonly devices: number;
  readonly claimed: number;
  readonly unclaimed: number;
  readonly createdAt: string;
}

export interface FactoryDeviceView {
  readonly name: string;
  /** Its E4 id, lowercase hex. */
  readonly id: string;
  readonly mode: 'symmetric' | 'pubkey';
  readonly status: 'unclaimed' | 'claiming' | 'claimed';
  readonly tenantId?: string;
  readonly claimedAt?: string;
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

export function factoryDeviceView(record: FactoryDeviceRecord): FactoryDeviceView {
  const { claim } = record;
  return {
    name: record.name,
    id: bytesToHex(record.id),
    mode: record.mode,
    status: claim === undefined ? 'unclaimed' : claim.completedAt === undefined ? 'claiming' : 'claimed',
    ...(claim ? { tenantId: claim.tenantId, claimedAt: claim.at } : {}),
    createdAt: record.createdAt,
  };
}
