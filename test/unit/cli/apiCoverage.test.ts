/**
 * The CLI covers the API: every operation of docs/openapi.json has the command that calls it (a path in
 * createProgram's tree), or a reason here why it has none. A route added to the API without a command fails this.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { expect, it } from 'vitest';
import { createProgram } from '../../../cli/program.js';

const COMMANDS: Readonly<Record<string, string>> = {
  getHealth: 'health',
  createClient: 'clients create',
  createClients: 'clients import',
  listClients: 'clients list',
  getClient: 'clients get',
  deleteClient: 'clients delete',
  resetClient: 'clients reset',
  newClientMqttCredentials: 'clients mqtt-credentials',
  newClientIdentityKey: 'clients identity-key',
  resyncClient: 'clients resync',
  listTopicsOfClient: 'clients topics',
  sendClientPubKey: 'pubkeys send',
  removeClientPubKey: 'pubkeys remove',
  resetClientPubKeys: 'pubkeys reset',
  createTopic: 'topics create',
  listTopics: 'topics list',
  getTopic: 'topics get',
  deleteTopic: 'topics delete',
  rotateTopicKey: 'topics rotate',
  listClientsOfTopic: 'topics clients',
  linkClient: 'topics link',
  unlinkClient: 'topics unlink',
  getC2PublicKey: 'c2key show',
  rotateC2Key: 'c2key rotate',
  createApiKey: 'keys create',
  listApiKeys: 'keys list',
  getApiKey: 'keys get',
  revokeApiKey: 'keys revoke',
  rotateApiKey: 'keys rotate',
  listEvents: 'events list',
  exportEvents: 'events export',
  listOperations: 'operations list',
  getOperation: 'operations get',
  listOperationDevices: 'operations devices',
  retryOperation: 'operations retry',
  createPolicy: 'policies create',
  listPolicies: 'policies list',
  getPolicy: 'policies get',
  replacePolicy: 'policies update',
  patchPolicy: 'policies patch',
  deletePolicy: 'policies delete',
  runPolicy: 'policies run',
  listPolicyRuns: 'policies runs',
  openEnrolmentWindow: 'enrolment open',
  listEnrolmentWindows: 'enrolment list',
  getEnrolmentWindow: 'enrolment get',
  closeEnrolmentWindow: 'enrolment close',
  enrol: 'device enrol',
  claimDevice: 'clients claim',
  registerFactoryBatch: 'factory batch create',
  listFactoryBatches: 'factory batch list',
  getFactoryBatch: 'factory batch get',
  listFactoryDevices: 'factory batch devices',
  deleteFactoryDevice: 'factory batch delete-device',
  appendFactoryDevices: 'factory batch append',
  reissueClaimCode: 'factory batch new-code',
  listDevicesBehind: 'clients behind',
  whoAmI: 'whoami',
  getStats: 'stats',
  getLimits: 'limits',
  createTenant: 'tenants create',
  listTenants: 'tenants list',
  getTenant: 'tenants get',
  deleteTenant: 'tenants delete',
  suspendTenant: 'tenants suspend',
  resumeTenant: 'tenants resume',
  setTenantLimits: 'tenants limits',
};

/** Operations without a command of their own, and why. */
const WITHOUT_COMMAND: Readonly<Record<string, string>> = {
  getOpenApiDocument: 'the document itself, for tools (the CLI is typed from its copy, docs/openapi.json)',
};

function commandAt(program: Command, path: string): Command | undefined {
  let command: Command | undefined = program;
  for (const name of path.split(' ')) command = command?.commands.find((sub) => sub.name() === name);
  return command;
}

it('has a command for every API operation (or says why not)', () => {
  const document = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
  const operationIds = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>)
    .flatMap((methods) => Object.values(methods).map((operation) => operation.operationId))
    .sort();
  const program = createProgram();

  const uncovered = operationIds.filter((id) => !(id in COMMANDS) && !(id in WITHOUT_COMMAND));
  const missing = Object.entries(COMMANDS).filter(([, path]) => commandAt(program, path) === undefined);
  const stale = [...Object.keys(COMMANDS), ...Object.keys(WITHOUT_COMMAND)].filter((id) => !operationIds.includes(id));

  expect({ uncovered, missing, stale }).toEqual({ uncovered: [], missing: [], stale: [] });
});
