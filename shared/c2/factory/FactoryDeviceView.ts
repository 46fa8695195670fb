/** What the API shows of a factory device: its name, id, mode and claim, never its code or key. Pure. */
import { bytesToHex } from '../../e4/index.js';
import type { FactoryDeviceRecord } from '../ports/FactoryBatchStore.js';

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
