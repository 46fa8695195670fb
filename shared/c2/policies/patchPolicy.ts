/**
 * Changes some fields of a policy (PATCH): each field given replaces the stored one, `null` removes the schedule or
 * the events; the policy that results is checked whole and stored as replacePolicy does (the same revision rule).
 */
import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import type { PolicyFields } from './PolicyRecord.js';
import type { PolicyView } from './PolicyView.js';
import { type PolicyChangeOptions, replacePolicy } from './replacePolicy.js';
import { requirePolicy } from './requirePolicy.js';
import { validatePolicyPatch } from './validatePolicy.js';

export async function patchPolicy(
  deps: C2Deps,
  caller: Caller,
  id: string,
  input: unknown,
  options: PolicyChangeOptions = {},
): Promise<PolicyView> {
  const patch = validatePolicyPatch(input);
  const current = await requirePolicy(deps, caller.tenantId, id);
  const merged: Record<string, unknown> = {
    name: current.name,
    target: current.target,
    action: current.action,
    schedule: current.schedule,
    events: current.events,
    enabled: current.enabled,
  } satisfies Record<keyof PolicyFields, unknown>;
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    merged[field] = value === null ? undefined : value;
  }
  for (const field of Object.keys(merged)) if (merged[field] === undefined) delete merged[field];
  return replacePolicy(deps, caller, id, merged, { revision: options.revision ?? current.revision });
}
