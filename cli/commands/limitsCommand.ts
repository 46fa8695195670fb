/**
 * `e4c2 limits`: the tenant's quotas beside what it uses (set by the platform operator): one row per quota for
 * people, the API's `{ limits, usage }` for scripts.
 */
import { Command } from 'commander';
import type { Schemas } from '../api/Api.js';
import { action } from '../CliContext.js';
import type { Column } from '../output/formatTable.js';
import { withExamples } from './withExamples.js';

type Limits = Schemas['CreatedTenant']['limits'];
type Row = { quota: string; used?: number; limit: number };

/** The quotas as rows: what the tenant holds beside each limit (nothing to hold for the rate and the retention). */
export function limitRows({ limits, usage }: Limits): Row[] {
  return [
    { quota: 'clients', used: usage.clients, limit: limits.maxClients },
    { quota: 'topics', used: usage.topics, limit: limits.maxTopics },
    { quota: 'policies', used: usage.policies, limit: limits.maxPolicies },
    {
      quota: 'operations in progress',
      used: usage.operationsInProgress,
      limit: limits.maxConcurrentOperations,
    },
    { quota: 'requests per minute', limit: limits.requestsPerMinute },
    { quota: 'event retention (days)', limit: limits.eventRetentionDays },
  ];
}

const COLUMNS: readonly Column<Row>[] = [
  { header: 'quota', value: (r) => r.quota },
  { header: 'used', value: (r) => r.used },
  { header: 'limit', value: (r) => r.limit },
];

export function limitsCommand(): Command {
  return withExamples(new Command('limits').description("the tenant's quotas and what it uses of them"), [
    'e4c2 limits',
    'e4c2 limits --json',
  ]).action(
    action(async (context) => {
      const answer = await context.api.call((api) => api.GET('/v1/limits'));
      if (!context.output.forPeople) context.output.data(answer);
      else context.output.list(limitRows(answer), COLUMNS);
    }),
  );
}
