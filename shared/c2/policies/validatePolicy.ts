/**
 * A policy (or a change of one) as a use case receives it, checked by the API's own schemas (schemas/policies.ts):
 * a caller other than the API gets the same rules and messages. INVALID_INPUT names the first issues.
 */
import type * as z from 'zod';
import { C2Error, C2ErrorCode } from '../errors.js';
import { PolicyInputSchema, PolicyPatchSchema } from '../schemas/policies.js';
import type { PolicyFields } from './PolicyRecord.js';

export type PolicyPatch = z.output<typeof PolicyPatchSchema>;

function parsed<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const messages = result.error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `"${path}": ${issue.message}` : issue.message;
  });
  throw new C2Error(C2ErrorCode.InvalidInput, [...new Set(messages)].join('; '));
}

export const validatePolicy = (input: unknown): PolicyFields => parsed(PolicyInputSchema, input);
export const validatePolicyPatch = (input: unknown): PolicyPatch => parsed(PolicyPatchSchema, input);
