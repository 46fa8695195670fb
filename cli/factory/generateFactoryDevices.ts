/**
 * `--generate N --prefix P`: N devices named P + a zero-padded number (P0001...), each with a random 32-byte key
 * (node:crypto), for a flashing station that writes the keys into the devices.
 */
import { randomBytes } from 'node:crypto';
import type { FactoryDeviceRow } from './readFactoryCsv.js';

export function generateFactoryDevices(count: number, prefix: string): { name: string; key: string }[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}${String(i + 1).padStart(width, '0')}`,
    key: randomBytes(32).toString('base64'),
  })) satisfies FactoryDeviceRow[];
}
