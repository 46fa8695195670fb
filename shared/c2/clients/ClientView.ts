import { bytesToHex } from '../../e4/index.js';
import type { ClientRecord } from '../ports.js';

/** What the API shows of a client: never its key. */
export interface ClientView {
  readonly name: string;
  /** Hex E4 id; the control topic is `e4/<id>`. */
  readonly id: string;
  readonly mode: 'symmetric' | 'pubkey';
  readonly keyVersion: number;
  /** A new identity key sent but not yet in force (a renewal cut short: call it again to finish). */
  readonly pendingKeyVersion?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the C2 last heard from the device (a receipt); to the minute for symmetric clients. */
  readonly lastSeenAt?: string;
  /** Enrolled by trust on first use: it gets a new identity key when it next comes back (then the flag is gone). */
  readonly rekeyOnReturn?: true;
}

export function clientView(record: ClientRecord): ClientView {
  const { name, mode, keyVersion, createdAt, updatedAt } = record;
  return {
    name,
    id: bytesToHex(record.id),
    mode,
    keyVersion,
    ...(record.pending ? { pendingKeyVersion: record.pending.keyVersion } : {}),
    createdAt,
    updatedAt,
    ...(record.lastSeenAt === undefined ? {} : { lastSeenAt: record.lastSeenAt }),
    ...(record.rekeyOnReturn ? { rekeyOnReturn: true as const } : {}),
  };
}
