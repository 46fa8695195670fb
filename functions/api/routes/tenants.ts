/** The platform operator's routes (scope `platform`: platform keys only): tenants and their limits. */
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import { TenantLimitsSchema } from '../../../shared/c2/schemas/system.js';
import {
  CreatedTenantSchema,
  CreateTenantBodySchema,
  TenantDeletionSchema,
  TenantIdParamsSchema,
  TenantLimitsBodySchema,
  TenantPageSchema,
  TenantViewSchema,
} from '../../../shared/c2/schemas/tenants.js';
import { createTenant } from '../../../shared/c2/tenants/createTenant.js';
import { deleteTenant } from '../../../shared/c2/tenants/deleteTenant.js';
import { getTenant, listTenants } from '../../../shared/c2/tenants/readTenants.js';
import { setRegisteredTenantLimits } from '../../../shared/c2/tenants/setRegisteredTenantLimits.js';
import { resumeTenant, suspendTenant } from '../../../shared/c2/tenants/suspendTenant.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const tenantRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/tenants',
    scope: 'platform',
    operationId: 'createTenant',
    summary:
      'Create a tenant with an optional display name and limits. The answer carries its first admin API key, shown ' +
      'once. 409 ALREADY_EXISTS when the id is taken.',
    status: 201,
    body: CreateTenantBodySchema,
    response: CreatedTenantSchema,
    run: (deps, caller, { body }) => createTenant(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/tenants',
    scope: 'platform',
    operationId: 'listTenants',
    summary: 'The registered tenants in id order, a page at a time.',
    query: PageQuerySchema,
    response: TenantPageSchema,
    run: (deps, _caller, { query }) => listTenants(deps, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/tenants/{tenantId}',
    scope: 'platform',
    operationId: 'getTenant',
    summary: 'One tenant: its status, and while it is being deleted the operation deleting it.',
    params: TenantIdParamsSchema,
    response: TenantViewSchema,
    run: (deps, _caller, { params }) => getTenant(deps, params.tenantId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/tenants/{tenantId}/suspend',
    scope: 'platform',
    operationId: 'suspendTenant',
    summary:
      'Suspend the tenant: its keys are refused (403 TENANT_SUSPENDED) until it is resumed; its records stay. 409 ' +
      'while it is being deleted.',
    params: TenantIdParamsSchema,
    response: TenantViewSchema,
    run: (deps, caller, { params }) => suspendTenant(deps, caller, params.tenantId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/tenants/{tenantId}/resume',
    scope: 'platform',
    operationId: 'resumeTenant',
    summary: 'Resume a suspended tenant: its keys work again. 409 while it is being deleted.',
    params: TenantIdParamsSchema,
    response: TenantViewSchema,
    run: (deps, caller, { params }) => resumeTenant(deps, caller, params.tenantId),
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/limits',
    scope: 'platform',
    operationId: 'setTenantLimits',
    summary:
      "Set the tenant's quotas (those given; null: back to the default), as `npm run limits` does. Answers the " +
      'limits in force and what the tenant holds.',
    params: TenantIdParamsSchema,
    body: TenantLimitsBodySchema,
    response: TenantLimitsSchema,
    run: (deps, caller, { params, body }) => setRegisteredTenantLimits(deps, caller, params.tenantId, body),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}',
    scope: 'platform',
    operationId: 'deleteTenant',
    summary:
      'Delete the tenant, as an operation (202): its keys are refused from the next request (within 30 s on AWS); its clients (with their IoT things, ' +
      'certificates and names), policies (with their schedules) and every other record are deleted, then its ' +
      'registry entry. Asked again while it runs, answers with the same operation.',
    startsOperation: true,
    params: TenantIdParamsSchema,
    response: TenantDeletionSchema,
    run: async (deps, caller, { params }) => {
      const { operation, created: _created, ...rest } = await deleteTenant(deps, caller, params.tenantId);
      return { ...rest, operation: operationView(operation) };
    },
  }),
];
