/**
 * The rotation policy routes: create, list, read, replace, change, delete, run now, and a policy's runs. A policy is
 * addressed by its id (`{policyId}`, the `id` of its view). A policy's schedule runs it at its times (EventBridge
 * Scheduler on AWS, LocalScheduler in local mode; `description` and `nextRuns` in its view); events are stored and
 * shown, not yet triggered; `POST .../run` runs a policy now.
 */
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { deletePolicy } from '../../../shared/c2/policies/deletePolicy.js';
import { getPolicy } from '../../../shared/c2/policies/getPolicy.js';
import { listPolicies } from '../../../shared/c2/policies/listPolicies.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { policyRunView } from '../../../shared/c2/policies/PolicyRunView.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
import { replacePolicy } from '../../../shared/c2/policies/replacePolicy.js';
import { runPolicyNow } from '../../../shared/c2/policies/runPolicyNow.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import {
  DeletedPolicySchema,
  PolicyIdParamsSchema,
  PolicyInputSchema,
  PolicyPageSchema,
  PolicyPatchSchema,
  PolicyRevisionQuerySchema,
  PolicyRunPageSchema,
  PolicyRunStartedSchema,
  PolicyViewSchema,
} from '../../../shared/c2/schemas/policies.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const policyRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/policies',
    scope: 'operator',
    operationId: 'createPolicy',
    summary:
      'Create a rotation policy: what to rotate (target), how (action), when (schedule and/or events). At most 100 ' +
      'per tenant (409 LIMIT_REACHED). A schedule runs the policy at its times; events are stored and shown, not ' +
      'yet triggered. Run one now with POST /v1/policies/{id}/run.',
    status: 201,
    body: PolicyInputSchema,
    response: PolicyViewSchema,
    run: (deps, caller, { body }) => createPolicy(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/policies',
    scope: 'read-only',
    operationId: 'listPolicies',
    summary: 'Policies in creation order, a page at a time.',
    query: PageQuerySchema,
    response: PolicyPageSchema,
    run: (deps, caller, { query }) => listPolicies(deps, caller, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/policies/{policyId}',
    scope: 'read-only',
    operationId: 'getPolicy',
    summary: 'One policy, with its schedule in plain English and its next five run times.',
    params: PolicyIdParamsSchema,
    response: PolicyViewSchema,
    run: (deps, caller, { params }) => getPolicy(deps, caller, params.policyId),
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/policies/{policyId}',
    scope: 'operator',
    operationId: 'replacePolicy',
    summary:
      'Replace a policy whole (its id and creation stay); with `revision`, only if it is still at that revision ' +
      '(409 CONCURRENT_UPDATE otherwise).',
    params: PolicyIdParamsSchema,
    query: PolicyRevisionQuerySchema,
    body: PolicyInputSchema,
    response: PolicyViewSchema,
    run: (deps, caller, { params, query, body }) => replacePolicy(deps, caller, params.policyId, body, query),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/policies/{policyId}',
    scope: 'operator',
    operationId: 'patchPolicy',
    summary:
      'Change some fields of a policy (e.g. `{ "enabled": false }`; `null` removes the schedule or the events): ' +
      'the policy that results is checked whole. `revision` as for PUT.',
    params: PolicyIdParamsSchema,
    query: PolicyRevisionQuerySchema,
    body: PolicyPatchSchema,
    response: PolicyViewSchema,
    run: (deps, caller, { params, query, body }) => patchPolicy(deps, caller, params.policyId, body, query),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/policies/{policyId}',
    scope: 'operator',
    operationId: 'deletePolicy',
    summary: 'Delete a policy (its runs are no longer listed). Operations it started go on.',
    params: PolicyIdParamsSchema,
    response: DeletedPolicySchema,
    run: (deps, caller, { params }) => deletePolicy(deps, caller, params.policyId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/policies/{policyId}/run',
    scope: 'operator',
    operationId: 'runPolicy',
    summary:
      'Run a policy now, enabled or not: one operation per topic or client its target names now (a prefix: every ' +
      'match, however recent), recorded as a run (202 with the run and its operations). With an Idempotency-Key, ' +
      'a retry answers with the operations the first request started.',
    startsOperation: true,
    params: PolicyIdParamsSchema,
    response: PolicyRunStartedSchema,
    run: async (deps, caller, { params, idempotencyKey }) => {
      const { run, operations } = await runPolicyNow(deps, caller, params.policyId, idempotencyKey);
      return { run: policyRunView(run), operations: operations.map(operationView) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/policies/{policyId}/runs',
    scope: 'read-only',
    operationId: 'listPolicyRuns',
    summary: 'The runs of a policy, newest first: when, why, the operations each started and its outcome.',
    params: PolicyIdParamsSchema,
    query: PageQuerySchema,
    response: PolicyRunPageSchema,
    run: (deps, caller, { params, query }) => listPolicyRuns(deps, caller, params.policyId, query),
  }),
];
