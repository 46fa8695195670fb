/**
 * The `key.age` trigger: a policy whose event is `{ type: 'key.age', days }` runs on each name of its target whose
 * current key (a topic's key, a client's identity key, the tenant's C2 key) is at least that old. The key's age is
 * counted from its record's `updatedAt`, which the store writes at creation and at each key change only. Checked
 * hourly by a schedule of the policy's own (`<policy id>.age`, ageCheckSchedule.ts) through the rotation function
 * (local mode: LocalScheduler). Each old key makes one event run keyed by its name and key version, at the time it
 * became due: the check repeated finds that run and rotates nothing more, and the rotated key is young again.
 */
import type { C2Deps } from '../C2Deps.js';
import type { RunEvent } from '../ports/PolicyStore.js';
import type { Caller } from '../ports.js';
import { policyTargetNames } from './policyTargetNames.js';
import { requirePolicy } from './requirePolicy.js';
import { MAX_RUN_OPERATIONS, type PolicyRun, runPolicy } from './runPolicy.js';

const DAY_MS = 86_400_000;

/** The key of a name: its version and when it was made (ms), or undefined when there is none. */
async function keyOf(
  deps: C2Deps,
  tenantId: string,
  kind: 'topic' | 'client' | 'tenant',
  name: string,
): Promise<{ version: number; since: number } | undefined> {
  const record =
    kind === 'topic'
      ? await deps.store.getTopic(tenantId, name)
      : kind === 'client'
        ? await deps.store.getClient(tenantId, name)
        : await deps.store.getC2Key(tenantId);
  return record && { version: record.keyVersion, since: Date.parse(record.updatedAt) };
}

/** Runs the policy on each of its names whose key is old; the runs made (repeated ones included). */
export async function checkKeyAge(deps: C2Deps, caller: Caller, policyId: string): Promise<PolicyRun[]> {
  const policy = await requirePolicy(deps, caller.tenantId, policyId);
  const age = policy.events?.find((event) => event.type === 'key.age');
  if (!policy.enabled || age?.type !== 'key.age') return [];
  const targets = await policyTargetNames(deps, caller.tenantId, policy.target, MAX_RUN_OPERATIONS);
  const names = targets.kind === 'tenant' ? ['c2'] : targets.names;
  const now = deps.clock();
  const runs: PolicyRun[] = [];
  for (const name of names) {
    const key = await keyOf(deps, caller.tenantId, targets.kind, name);
    const dueAt = key && key.since + age.days * DAY_MS;
    if (!key || dueAt === undefined || !(dueAt <= now)) continue;
    const event: RunEvent =
      targets.kind === 'topic'
        ? { type: 'key.age', topic: name }
        : targets.kind === 'client'
          ? { type: 'key.age', client: name }
          : { type: 'key.age' };
    runs.push(
      await runPolicy(deps, caller, policy.id, {
        reason: 'event',
        event,
        key: `key.age\n${targets.kind}\n${name}\n${key.version}`,
        at: new Date(dueAt).toISOString(),
      }),
    );
  }
  return runs;
}
