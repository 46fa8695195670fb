/**
 * The operation routes: list the tenant's operations, read one, list its devices. An operation is addressed by its
 * id (`{operationId}`, the `id` of its view). The changes that start operations answer with one; retry sends a
 * finished one's key again.
 */
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { getOperation, listDeliveries, listOperations } from '../../../shared/c2/operations/readOperations.js';
import { retryOperation } from '../../../shared/c2/operations/retryOperation.js';
import { listRunOperations } from '../../../shared/c2/policies/listRunOperations.js';
import {
  DeliveryListQuerySchema,
  DeliveryPageSchema,
  OperationIdParamsSchema,
  OperationListQuerySchema,
  OperationPageSchema,
  OperationResponseSchema,
  OperationViewSchema,
} from '../../../shared/c2/schemas/operations.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const operationRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/operations',
    scope: 'read-only',
    operationId: 'listOperations',
    summary:
      'Operations (changes that send commands to devices), newest first, a page at a time; filtered by status, ' +
      'kind, target, parent (the steps of a client deletion or reset) or policy run (policy and run: its ' +
      'operations in the order it started them). A page may be short while a cursor says more may follow.',
    query: OperationListQuerySchema,
    response: OperationPageSchema,
    run: (deps, caller, { query }) => {
      const { status, kind, targetType, target, parent, policy, run, limit, cursor } = query;
      const filter = {
        ...(parent === undefined ? {} : { parentId: parent }),
        ...(status === undefined ? {} : { status }),
        ...(kind === undefined ? {} : { kind }),
        ...(targetType === undefined || target === undefined ? {} : { target: { type: targetType, name: target } }),
      };
      const page = { limit, ...(cursor === undefined ? {} : { cursor }) };
      if (policy !== undefined && run !== undefined) {
        return listRunOperations(deps, caller, { policyId: policy, runId: run }, filter, page);
      }
      return listOperations(deps, caller, filter, page);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/operations/{operationId}',
    scope: 'read-only',
    operationId: 'getOperation',
    summary: 'One operation: its status, how many devices are in each state, how many confirmed (never a key).',
    params: OperationIdParamsSchema,
    response: OperationViewSchema,
    run: (deps, caller, { params }) => getOperation(deps, caller, params.operationId),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/operations/{operationId}/devices',
    scope: 'read-only',
    operationId: 'listOperationDevices',
    summary:
      'The devices of an operation in client id order, each with its state (confirmed through a resync: ' +
      '`confirmedVia`), attempts and last error, a page at a time; only those in one state with `state`.',
    params: OperationIdParamsSchema,
    query: DeliveryListQuerySchema,
    response: DeliveryPageSchema,
    run: (deps, caller, { params, query }) => {
      const { state, limit, cursor } = query;
      return listDeliveries(deps, caller, params.operationId, state === undefined ? {} : { state }, {
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/operations/{operationId}/retry',
    scope: 'operator',
    operationId: 'retryOperation',
    summary:
      'Send the key of a finished operation again (the same key, at fresh timestamps) to its devices that have not ' +
      'confirmed it (202, the operation running again). Only for the operation that installed the current key of ' +
      'its topic, and not while it runs (409 otherwise).',
    startsOperation: true,
    params: OperationIdParamsSchema,
    response: OperationResponseSchema,
    run: async (deps, caller, { params }) => ({
      operation: operationView(await retryOperation(deps, caller, params.operationId)),
    }),
  }),
];
