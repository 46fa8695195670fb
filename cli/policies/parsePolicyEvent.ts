/**
 * A policy event as `--event` gives it: `<type>=<n>` for the types with one number (`client.subscribed=10`,
 * `client.unsubscribed=10`: a count; `key.age=90`: days), `client.removed` alone, or `<type>:<field>=<n>,...` for any
 * field (`client.removed:delayMinutes=10,batchMinutes=5`). The API checks the ranges.
 */
import type { Schemas } from '../api/Api.js';
import { usageError } from '../CliError.js';

type PolicyEvent = Schemas['PolicyEvent'];

/** The field of `<type>=<n>`. */
const SHORT_FIELD: Readonly<Record<PolicyEvent['type'], string | undefined>> = {
  'client.subscribed': 'count',
  'client.unsubscribed': 'count',
  'client.removed': undefined,
  'key.age': 'days',
};
const TYPES = Object.keys(SHORT_FIELD);
const FORMS =
  'client.subscribed=<n>, client.unsubscribed=<n>, client.removed[:delayMinutes=<n>,batchMinutes=<n>], key.age=<days>';

function numberOf(spec: string, text: string | undefined): number {
  if (text === undefined || !/^[0-9]{1,9}$/.test(text))
    throw usageError(`--event "${spec}": "${text ?? ''}" is not a whole number`);
  return Number(text);
}

export function parsePolicyEvent(spec: string): PolicyEvent {
  const match = /^([a-z.]+)(?:([=:])(.*))?$/.exec(spec);
  const type = match?.[1] as PolicyEvent['type'] | undefined;
  if (!match || type === undefined || !TYPES.includes(type))
    throw usageError(`--event "${spec}" is not an event: ${FORMS}`);
  const fields: Record<string, number> = {};
  if (match[2] === '=') {
    const field = SHORT_FIELD[type];
    if (!field) throw usageError(`--event "${spec}": ${type} takes fields (${type}:delayMinutes=<n>,batchMinutes=<n>)`);
    fields[field] = numberOf(spec, match[3]);
  } else if (match[2] === ':') {
    for (const pair of (match[3] ?? '').split(',')) {
      const [field, value] = pair.split('=');
      if (!field || !/^[a-zA-Z]+$/.test(field)) throw usageError(`--event "${spec}": "${pair}" is not <field>=<n>`);
      fields[field] = numberOf(spec, value);
    }
  }
  return { type, ...fields } as PolicyEvent;
}
