/**
 * The limits `e4c2 tenants create --limit` and `e4c2 tenants limits` set, as `name=value` words: a quota the
 * platform operator sets through the API (maxClients, maxTopics, maxPolicies) and a whole number, or `default` to take
 * it back to the deployment's default (null in the API's body).
 */
import { usageError } from '../CliError.js';

export const SETTABLE_LIMITS = ['maxClients', 'maxTopics', 'maxPolicies'] as const;
export type SettableLimit = (typeof SETTABLE_LIMITS)[number];
export type LimitAssignments = Partial<Record<SettableLimit, number | null>>;

export function parseLimitAssignments(words: readonly string[]): LimitAssignments {
  const limits: LimitAssignments = {};
  for (const word of words) {
    const [name, value, ...rest] = word.split('=');
    if (value === undefined || rest.length > 0) {
      throw usageError(`"${word}" is not name=value (e.g. maxClients=1000, or maxClients=default)`);
    }
    if (!(SETTABLE_LIMITS as readonly string[]).includes(name!)) {
      throw usageError(`"${name}" is not a limit: ${SETTABLE_LIMITS.join(', ')}`);
    }
    if (Object.hasOwn(limits, name!)) throw usageError(`${name} is given twice`);
    if (value === 'default') limits[name as SettableLimit] = null;
    else if (/^[0-9]{1,15}$/.test(value)) limits[name as SettableLimit] = Number(value);
    else throw usageError(`${name}: "${value}" is not a whole number from 0, nor "default"`);
  }
  return limits;
}
