/**
 * Factory batches (pre-keying in a trusted environment): the platform operator, as the manufacturer, registers a
 * batch of devices with their keys and gets a claim code per device (shown once, for its label), appends more to it
 * a call at a time; lists and reads batches (counts, never codes or keys) and their devices; deletes an unclaimed
 * device. Tenants claim devices with POST /v1/claims (routes/claims.ts).
 */
import { appendFactoryDevices } from '../../../shared/c2/factory/appendFactoryDevices.js';
import { deleteFactoryDevice } from '../../../shared/c2/factory/deleteFactoryDevice.js';
import { MAX_BATCH_DEVICES } from '../../../shared/c2/factory/factoryDevices.js';
import {
  getFactoryBatch,
  listFactoryBatches,
  listFactoryDevices,
} from '../../../shared/c2/factory/readFactoryBatches.js';
import { registerFactoryBatch } from '../../../shared/c2/factory/registerFactoryBatch.js';
import { reissueClaimCode } from '../../../shared/c2/factory/reissueClaimCode.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import {
  AppendedFactoryDevicesSchema,
  AppendFactoryDevicesBodySchema,
  DeletedFactoryDeviceSchema,
  FactoryBatchIdParamsSchema,
  FactoryBatchPageSchema,
  FactoryBatchViewSchema,
  FactoryDevicePageSchema,
  FactoryDeviceParamsSchema,
  RegisteredFactoryBatchSchema,
  RegisterFactoryBatchBodySchema,
  ReissuedClaimCodeSchema,
} from '../../../shared/c2/schemas/factory.js';
import { hexToBytes } from '../../../shared/e4/index.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const factoryRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/factory-batches',
    scope: 'platform',
    operationId: 'registerFactoryBatch',
    summary:
      `Register a batch of factory devices (at most ${MAX_BATCH_DEVICES} a call: a name and a 32-byte key or Ed25519 ` +
      'public key each; append more with POST /v1/factory-batches/{batchId}/devices), owned by no tenant until ' +
      'claimed; their names are reserved meanwhile. The answer gives each device its claim code, shown once. 409 ' +
      'ALREADY_EXISTS when a name is not available.',
    status: 201,
    body: RegisterFactoryBatchBodySchema,
    response: RegisteredFactoryBatchSchema,
    run: (deps, caller, { body }) => registerFactoryBatch(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/factory-batches',
    scope: 'platform',
    operationId: 'listFactoryBatches',
    summary:
      'Factory batches in id order, a page at a time, each with its counts of claimed and unclaimed devices (each ' +
      'batch of the page counted by a query of its devices: ask small pages).',
    query: PageQuerySchema,
    response: FactoryBatchPageSchema,
    run: (deps, _caller, { query }) => listFactoryBatches(deps, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/factory-batches/{batchId}',
    scope: 'platform',
    operationId: 'getFactoryBatch',
    summary: 'One factory batch with its counts of claimed and unclaimed devices.',
    params: FactoryBatchIdParamsSchema,
    response: FactoryBatchViewSchema,
    run: (deps, _caller, { params }) => getFactoryBatch(deps, params.batchId),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/factory-batches/{batchId}/devices',
    scope: 'platform',
    operationId: 'listFactoryDevices',
    summary: 'The devices of a factory batch in id order, a page at a time: claimed or not, and by which tenant.',
    params: FactoryBatchIdParamsSchema,
    query: PageQuerySchema,
    response: FactoryDevicePageSchema,
    run: (deps, _caller, { params, query }) => listFactoryDevices(deps, params.batchId, query),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/factory-batches/{batchId}/devices',
    scope: 'platform',
    operationId: 'appendFactoryDevices',
    summary:
      `Add devices to a batch (at most ${MAX_BATCH_DEVICES} a call), so that a batch of thousands is registered in ` +
      'calls. Idempotent per device: one the batch holds already with the same key is answered `exists` without a ' +
      'code (codes are shown once, by the call that wrote the device: POST .../devices/{clientId}/code gives a new ' +
      'one); the others `created` with their code. 409 ALREADY_EXISTS (nothing written, the devices named) when a ' +
      'name is held by a tenant or another batch, or the batch holds it with another key (or claimed).',
    params: FactoryBatchIdParamsSchema,
    body: AppendFactoryDevicesBodySchema,
    response: AppendedFactoryDevicesSchema,
    run: (deps, caller, { params, body }) => appendFactoryDevices(deps, caller, params.batchId, body),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/factory-batches/{batchId}/devices/{clientId}/code',
    scope: 'platform',
    operationId: 'reissueClaimCode',
    summary:
      'A new claim code for an unclaimed device of a batch (its code lost: an answer that never came), shown once; ' +
      'the old code stops working. 409 CLAIM_USED when the device is claimed.',
    params: FactoryDeviceParamsSchema,
    response: ReissuedClaimCodeSchema,
    run: (deps, caller, { params }) => reissueClaimCode(deps, caller, params.batchId, hexToBytes(params.clientId)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/factory-batches/{batchId}/devices/{clientId}',
    scope: 'platform',
    operationId: 'deleteFactoryDevice',
    summary:
      'Delete an unclaimed device of a batch: its code stops working and its name is free again. 409 CLAIM_USED ' +
      'when it was claimed.',
    params: FactoryDeviceParamsSchema,
    response: DeletedFactoryDeviceSchema,
    run: async (deps, caller, { params }) => {
      await deleteFactoryDevice(deps, caller, params.batchId, hexToBytes(params.clientId));
      return { id: params.clientId, deleted: true as const };
    },
  }),
];
