/** An ISO 8601 date-time with its zone, as the API takes it (`2027-01-31T00:00:00Z`); a usage error otherwise. */
import { usageError } from '../CliError.js';

export function isoTimeOf(flag: string, value: string): string {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw usageError(`${flag} "${value}" is not a date-time with its zone (e.g. 2027-01-31T00:00:00Z)`);
  }
  return value;
}
