/**
 * Enrolment by trust on first use: an operator opens a window (a time limit, a maximum count) and gets its `enrol`
 * token; a device that presents it enrols itself (POST /v1/enrol) and gets a new identity key when it first comes
 * back. Windows are addressed by their id (`{windowId}`).
 */
import { closeEnrolmentWindow } from '../../../shared/c2/enrolment/closeEnrolmentWindow.js';
import { enrolClient } from '../../../shared/c2/enrolment/enrolClient.js';
import { openEnrolmentWindow } from '../../../shared/c2/enrolment/openEnrolmentWindow.js';
import { getEnrolmentWindow, listEnrolmentWindows } from '../../../shared/c2/enrolment/readEnrolmentWindows.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import {
  EnrolBodySchema,
  EnrolledSchema,
  EnrolmentWindowIdParamsSchema,
  EnrolmentWindowPageSchema,
  EnrolmentWindowViewSchema,
  OpenEnrolmentWindowBodySchema,
  OpenedEnrolmentWindowSchema,
} from '../../../shared/c2/schemas/enrolment.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const enrolmentRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/enrolment-windows',
    scope: 'operator',
    operationId: 'openEnrolmentWindow',
    summary:
      'Open an enrolment window (trust on first use, the least safe way to enrol): until closesAt (or for ' +
      'durationMinutes, at most 7 days) and for at most maxCount devices, whoever holds its token enrols devices ' +
      'with POST /v1/enrol. The token (scope enrol, expiring with the window) is shown once.',
    status: 201,
    body: OpenEnrolmentWindowBodySchema,
    response: OpenedEnrolmentWindowSchema,
    run: (deps, caller, { body }) => openEnrolmentWindow(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/enrolment-windows',
    scope: 'operator',
    operationId: 'listEnrolmentWindows',
    summary: 'Enrolment windows in id order, a page at a time, each with its status (open, closed, expired, full).',
    query: PageQuerySchema,
    response: EnrolmentWindowPageSchema,
    run: (deps, caller, { query }) => listEnrolmentWindows(deps, caller, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/enrolment-windows/{windowId}',
    scope: 'operator',
    operationId: 'getEnrolmentWindow',
    summary: 'One enrolment window, with how many devices it enrolled.',
    params: EnrolmentWindowIdParamsSchema,
    response: EnrolmentWindowViewSchema,
    run: (deps, caller, { params }) => getEnrolmentWindow(deps, caller, params.windowId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/enrolment-windows/{windowId}/close',
    scope: 'operator',
    operationId: 'closeEnrolmentWindow',
    summary: 'Close an enrolment window now: enrolments are refused and its token revoked (again: no change).',
    params: EnrolmentWindowIdParamsSchema,
    response: EnrolmentWindowViewSchema,
    run: (deps, caller, { params }) => closeEnrolmentWindow(deps, caller, params.windowId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/enrol',
    scope: 'enrol',
    operationId: 'enrol',
    summary:
      "A device enrols itself with an enrolment window's token: its name and key (or mode pubkey and its Ed25519 " +
      'public key). The client is put on the topics of the window and gets a new identity key as soon as it ' +
      'connects and subscribes (rekeyOnReturn); its topic keys follow under that key. 409 ENROLMENT_CLOSED outside ' +
      'an open window, 409 ENROLMENT_FULL once it enrolled maxCount devices, 409 ALREADY_EXISTS for a name taken.',
    status: 201,
    body: EnrolBodySchema,
    response: EnrolledSchema,
    run: async (deps, caller, { body }) => {
      const { client, mqtt, topics } = await enrolClient(deps, caller, body);
      return { client, topics, ...(mqtt ? { mqtt } : {}) };
    },
  }),
];
