/**
 * What the CLI says of each device a refused factory call named (409 ALREADY_EXISTS with the devices in its error's
 * `details`), among those it sent, with why. Pure.
 */
import type { ApiErrorDetails } from '../CliError.js';

const WHY = {
  'name-taken': 'its name is held by a tenant or another batch',
  'other-key': 'the batch holds it with another key (or it is claimed): nothing of this call was written',
} as const;

/** One line a device (`<name>: <why>`), in the order sent; devices the details name but this call did not send are left out. */
export function refusedDevices(details: ApiErrorDetails | undefined, sent: readonly string[]): string[] {
  const why = new Map((details?.devices ?? []).map((device) => [device.name, WHY[device.reason]]));
  return sent.filter((name) => why.has(name)).map((name) => `${name}: ${why.get(name)}`);
}
