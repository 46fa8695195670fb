/** The routes without authentication: health and the OpenAPI document (checked as OpenAPI 3.1, offline). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/api/routes.js';
import { type ApiFixture, startApiFixture } from './apiFixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture();
});
afterAll(async () => {
  await api?.close();
});

describe('GET /v1/health', () => {
  it.each([
    ['without a token', null],
    ['with an invalid token', 'not-a-token'],
  ])('answers 200 { status: ok } %s', async (_label, token) => {
    const answer = await api.call('GET', '/v1/health', { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'ok' });
    expect(answer.headers['content-type']).toBe('application/json');
  });
});

type Json = { [key: string]: unknown };
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** Keys that hold one subschema, a map of subschemas, or a list of them (JSON Schema 2020-12). */
const ONE_SCHEMA = ['items', 'additionalProperties', 'not', 'propertyNames', 'contains', 'if', 'then', 'else'];
const MAP_OF_SCHEMAS = ['properties', 'patternProperties', '$defs'];
const LIST_OF_SCHEMAS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

/** The problems of `schema` as a JSON Schema 2020-12 whose $refs point into `document` (empty when none). */
function schemaProblems(schema: unknown, where: string, document: Json): string[] {
  if (typeof schema === 'boolean') return [];
  if (!isObject(schema)) return [`${where}: not a schema`];
  const problems: string[] = [];
  for (const key of ['$schema', '$defs', '~standard', '_zod', 'def']) {
    if (key in schema) problems.push(`${where}: has ${key}`);
  }
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.startsWith('#/')
      ? schema.$ref
          .slice(2)
          .split('/')
          .reduce<unknown>((node, part) => (isObject(node) ? node[part] : undefined), document)
      : undefined;
    if (!isObject(target)) problems.push(`${where}: $ref ${schema.$ref} leads nowhere`);
  } else if (
    !('type' in schema) &&
    !LIST_OF_SCHEMAS.some((key) => key in schema) &&
    !('const' in schema) &&
    !('enum' in schema) &&
    Object.keys(schema).some((key) => !['description', 'title', 'default', 'examples'].includes(key))
  ) {
    problems.push(`${where}: neither type, $ref, const, enum nor a combination`);
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  for (const type of types) if (!JSON_TYPES.has(type as string)) problems.push(`${where}: type ${String(type)}`);
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern as string, 'u');
    } catch {
      problems.push(`${where}: pattern does not compile`);
    }
  }
  if (schema.required !== undefined) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (!Array.isArray(schema.required) || schema.required.some((name) => !(name in properties))) {
      problems.push(`${where}: required names a property it does not have`);
    }
  }
  for (const key of ONE_SCHEMA) {
    if (key in schema) problems.push(...schemaProblems(schema[key], `${where}.${key}`, document));
  }
  for (const key of MAP_OF_SCHEMAS) {
    if (!(key in schema)) continue;
    if (!isObject(schema[key])) problems.push(`${where}.${key}: not an object`);
    else
      for (const [name, sub] of Object.entries(schema[key]))
        problems.push(...schemaProblems(sub, `${where}.${key}.${name}`, document));
  }
  for (const key of LIST_OF_SCHEMAS) {
    if (!(key in schema)) continue;
    const list = schema[key];
    if (!Array.isArray(list)) problems.push(`${where}.${key}: not a list`);
    else for (const [i, sub] of list.entries()) problems.push(...schemaProblems(sub, `${where}.${key}.${i}`, document));
  }
  return problems;
}

/** Every schema of an OpenAPI document, with where it is. */
function schemasOf(document: Json): [string, unknown][] {
  const found: [string, unknown][] = [];
  for (const [name, schema] of Object.entries((document.components as Json).schemas as Json)) {
    found.push([`components.schemas.${name}`, schema]);
  }
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      const op = operation as Json;
      const at = `${method.toUpperCase()} ${path}`;
      for (const parameter of (op.parameters ?? []) as Json[])
        found.push([`${at} ${parameter.name}`, parameter.schema]);
      const body = op.requestBody as Json | undefined;
      if (body) found.push([`${at} body`, ((body.content as Json)['application/json'] as Json).schema]);
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const content = (response as Json).content as Json | undefined;
        for (const [type, media] of Object.entries(content ?? {})) {
          found.push([`${at} ${status} ${type}`, (media as Json).schema]);
        }
      }
    }
  }
  return found;
}

describe('GET /v1/openapi.json', () => {
  let document: Json;
  beforeAll(async () => {
    const answer = await api.call('GET', '/v1/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    document = answer.json;
  });

  it('is an OpenAPI 3.1.0 document with an info object and a bearer security scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({
      title: expect.any(String),
      version: expect.any(String),
      description: expect.any(String),
    });
    expect((document.components as Json).securitySchemes).toEqual({
      apiKey: { type: 'http', scheme: 'bearer', description: expect.any(String) },
    });
  });

  it('has every route of the table, with its operation id, status, parameters and security', () => {
    // Prepare
    const paths = document.paths as Record<string, Record<string, Json>>;
    const listed = Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));

    // Assess
    expect(listed.sort()).toEqual(routes.map((route) => `${route.method.toLowerCase()} ${route.path}`).sort());
    for (const route of routes) {
      const operation = paths[route.path]![route.method.toLowerCase()]!;
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.security).toEqual(route.scope === 'public' ? [] : [{ apiKey: [] }]);
      expect(operation['x-e4c2-scope']).toBe(route.scope);
      expect(Object.keys(operation.responses as Json)).toContain(String(route.status));
      const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters as Json[]).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name)).toEqual(pathParameters);
      expect(declared.every((p) => p.required === true)).toBe(true);
      expect('requestBody' in operation).toBe(route.body !== undefined);
    }
    expect(new Set(routes.map((route) => route.operationId)).size).toBe(routes.length);
  });

  it('documents the list query (limit 1..100, cursor, the lookups, the prefix searches) and the create-client body', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    const parameters = paths['/v1/clients']!.get!.parameters as Json[];
    expect(parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['limit', 'query', false],
      ['cursor', 'query', false],
      ['name', 'query', false],
      ['namePrefix', 'query', false],
    ]);
    const topicQuery = paths['/v1/topics']!.get!.parameters as Json[];
    expect(topicQuery.map((p) => p.name)).toEqual(['limit', 'cursor', 'topic', 'namePrefix']);
    expect(topicQuery[2]!.description).toMatch(/zero or one/);
    expect(topicQuery[3]!.description).toMatch(/start with this/);
    expect(parameters[0]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    const body = ((paths['/v1/clients']!.post!.requestBody as Json).content as Json)['application/json'] as Json;
    expect(body.schema).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { key: { type: 'string', contentEncoding: 'base64', minLength: 44, maxLength: 44 } },
    });
  });

  it('has the whole API: every record addressed by id or hash, none by name', () => {
    const listed = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(
      [
        'GET /v1/health',
        'GET /v1/openapi.json',
        'POST /v1/clients',
        'GET /v1/clients',
        'GET /v1/clients/{clientId}',
        'DELETE /v1/clients/{clientId}',
        'POST /v1/clients/{clientId}/reset',
        'POST /v1/clients/{clientId}/identity-key',
        'POST /v1/clients/{clientId}/mqtt-credentials',
        'POST /v1/clients/{clientId}/resync',
        'GET /v1/clients/{clientId}/topics',
        'PUT /v1/clients/{clientId}/pubkeys/{sourceClientId}',
        'DELETE /v1/clients/{clientId}/pubkeys/{sourceClientId}',
        'DELETE /v1/clients/{clientId}/pubkeys',
        'POST /v1/topics',
        'GET /v1/topics',
        'GET /v1/topics/{topicHash}',
        'DELETE /v1/topics/{topicHash}',
        'POST /v1/topics/{topicHash}/rotate',
        'GET /v1/topics/{topicHash}/clients',
        'PUT /v1/topics/{topicHash}/clients/{clientId}',
        'DELETE /v1/topics/{topicHash}/clients/{clientId}',
        'GET /v1/keys/c2',
        'POST /v1/keys/c2/rotate',
        'GET /v1/events',
        'GET /v1/events/export',
        'GET /v1/operations',
        'GET /v1/operations/{operationId}',
        'GET /v1/operations/{operationId}/devices',
        'POST /v1/operations/{operationId}/retry',
        'POST /v1/policies',
        'GET /v1/policies',
        'GET /v1/policies/{policyId}',
        'PUT /v1/policies/{policyId}',
        'PATCH /v1/policies/{policyId}',
        'DELETE /v1/policies/{policyId}',
        'POST /v1/policies/{policyId}/run',
        'GET /v1/policies/{policyId}/runs',
        'GET /v1/whoami',
        'GET /v1/devices-behind',
        'GET /v1/stats',
        'GET /v1/limits',
        'POST /v1/keys/api',
        'GET /v1/keys/api',
        'GET /v1/keys/api/{keyId}',
        'POST /v1/keys/api/{keyId}/rotate',
        'DELETE /v1/keys/api/{keyId}',
        'POST /v1/tenants',
        'GET /v1/tenants',
        'GET /v1/tenants/{tenantId}',
        'POST /v1/tenants/{tenantId}/suspend',
        'POST /v1/tenants/{tenantId}/resume',
        'PUT /v1/tenants/{tenantId}/limits',
        'DELETE /v1/tenants/{tenantId}',
        'POST /v1/clients/batch',
        'POST /v1/enrolment-windows',
        'GET /v1/enrolment-windows',
        'GET /v1/enrolment-windows/{windowId}',
        'POST /v1/enrolment-windows/{windowId}/close',
        'POST /v1/enrol',
        'POST /v1/factory-batches',
        'GET /v1/factory-batches',
        'GET /v1/factory-batches/{batchId}',
        'GET /v1/factory-batches/{batchId}/devices',
        'POST /v1/factory-batches/{batchId}/devices',
        'DELETE /v1/factory-batches/{batchId}/devices/{clientId}',
        'POST /v1/factory-batches/{batchId}/devices/{clientId}/code',
        'POST /v1/claims',
      ].sort(),
    );
  });

  it('documents every path parameter: E4 ids as 32 hex characters, operation and policy ids as 26 of Crockford base32, API key, window and batch ids as 16 hex, tenant ids', () => {
    const parameters = Object.values(document.paths as Record<string, Record<string, Json>>)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => (operation.parameters as Json[]).filter((p) => p.in === 'path'));
    expect(new Set(parameters.map((p) => p.name))).toEqual(
      new Set([
        'clientId',
        'sourceClientId',
        'topicHash',
        'operationId',
        'policyId',
        'keyId',
        'windowId',
        'batchId',
        'tenantId',
      ]),
    );
    for (const parameter of parameters) {
      if (parameter.name === 'tenantId') {
        expect(parameter.schema).toEqual({ type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
      } else if (['keyId', 'windowId', 'batchId'].includes(parameter.name as string)) {
        expect(parameter.schema).toEqual({ type: 'string', pattern: '^[0-9a-fA-F]{16}$' });
      } else if (parameter.name === 'operationId' || parameter.name === 'policyId') {
        expect(parameter.schema).toEqual({ type: 'string', pattern: '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$' });
        expect(parameter.description).toMatch(/Crockford base32/);
      } else {
        expect(parameter.schema).toEqual({ type: 'string', pattern: '^[0-9a-fA-F]{32}$' });
        expect(parameter.description).toMatch(/SHA3-256/);
      }
    }
  });

  it('documents rekey ("true" or "false", default "true") on the removals, and only there', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    const withRekey = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => (operation.parameters as Json[]).some((p) => p.name === 'rekey'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withRekey.sort()).toEqual(
      [
        'DELETE /v1/clients/{clientId}',
        'POST /v1/clients/{clientId}/reset',
        'DELETE /v1/topics/{topicHash}/clients/{clientId}',
      ].sort(),
    );
    const rekey = (paths['/v1/clients/{clientId}']!.delete!.parameters as Json[]).find((p) => p.name === 'rekey')!;
    expect(rekey).toMatchObject({ in: 'query', required: false, schema: { enum: ['true', 'false'], default: 'true' } });
  });

  it('has one DeliveryReport schema; every change that sends commands answers one or an Operation', () => {
    // Prepare
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    const paths = document.paths as Record<string, Record<string, Json>>;
    const successesOf = (path: string, method: string) =>
      Object.entries(paths[path]![method]!.responses as Json)
        .filter(([status]) => status.startsWith('2'))
        .map(([status, response]) => [status, JSON.stringify((response as Json).content)] as const);
    const DELIVERY_REPORT = '"#/components/schemas/DeliveryReport"';
    const OPERATION = '"#/components/schemas/Operation"';

    // Assess
    expect(schemas.DeliveryReport).toMatchObject({
      type: 'object',
      required: ['sent', 'delivered', 'failed'],
      additionalProperties: false,
    });
    const sending = [
      ['/v1/clients/{clientId}', 'delete'],
      ['/v1/clients/{clientId}/reset', 'post'],
      ['/v1/clients/{clientId}/identity-key', 'post'],
      ['/v1/clients/{clientId}/resync', 'post'],
      ['/v1/clients/{clientId}/pubkeys/{sourceClientId}', 'put'],
      ['/v1/clients/{clientId}/pubkeys/{sourceClientId}', 'delete'],
      ['/v1/clients/{clientId}/pubkeys', 'delete'],
      ['/v1/topics/{topicHash}', 'delete'],
      ['/v1/topics/{topicHash}/rotate', 'post'],
      ['/v1/topics/{topicHash}/clients/{clientId}', 'put'],
      ['/v1/topics/{topicHash}/clients/{clientId}', 'delete'],
      ['/v1/keys/c2/rotate', 'post'],
      ['/v1/operations/{operationId}/retry', 'post'],
    ] as const;
    for (const [path, method] of sending) {
      const successes = successesOf(path, method);
      expect(successes.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, content] of successes) {
        expect(
          content.includes(DELIVERY_REPORT) || content.includes(OPERATION),
          `${method} ${path} ${status}: ${content}`,
        ).toBe(true);
      }
    }
    // The changes that are operations answer 202 with one.
    for (const [path, method] of [
      ['/v1/topics/{topicHash}/rotate', 'post'],
      ['/v1/topics/{topicHash}/clients/{clientId}', 'delete'],
      ['/v1/operations/{operationId}/retry', 'post'],
    ] as const) {
      expect(Object.fromEntries(successesOf(path, method))['202'], `${method} ${path}`).toContain(OPERATION);
    }
    expect(JSON.stringify(paths['/v1/clients/{clientId}']!.get!.responses)).not.toContain('DeliveryReport');
    expect(JSON.stringify(paths['/v1/clients/{clientId}']!.get!.responses)).not.toContain(OPERATION);
  });

  it('documents operations and their devices without a key, cursor, revision or command hash', () => {
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    expect(Object.keys(schemas.Operation!.properties as Json).sort()).toEqual(
      [
        'actor',
        'confirmation',
        'counts',
        'createdAt',
        'error',
        'finishedAt',
        'id',
        'keyVersion',
        'kind',
        'parentId',
        'rekey',
        'status',
        'target',
        'updatedAt',
      ].sort(),
    );
    expect(Object.keys(schemas.OperationDevice!.properties as Json).sort()).toEqual(
      ['attempts', 'client', 'confirmedVia', 'lastError', 'state', 'updatedAt'].sort(),
    );
    expect(schemas.Operation).toMatchObject({ additionalProperties: false });
    expect(schemas.OperationDevice).toMatchObject({ additionalProperties: false });
  });

  it('documents the C2 key (base64, never a private part) and the events (details a free object)', () => {
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    expect(Object.keys(schemas.C2Key!.properties as Json).sort()).toEqual(
      ['fingerprint', 'keyVersion', 'pendingVersion', 'publicKey', 'updatedAt'].sort(),
    );
    expect(schemas.Event!.properties).toMatchObject({
      details: { type: 'object', additionalProperties: {} },
      result: { enum: ['ok', 'error'] },
    });
  });

  it('has response codes of the form 200 or 4XX, each error a $ref to the Error response', () => {
    for (const item of Object.values(document.paths as Record<string, Record<string, Json>>)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          expect(status).toMatch(/^[1-5](\d\d|XX)$/);
          if (Number(status) >= 400 || status.endsWith('XX')) {
            expect(response).toEqual({ $ref: '#/components/responses/Error' });
          }
        }
      }
    }
    expect((document.components as Json).responses).toHaveProperty('Error');
  });

  it('has only JSON Schema 2020-12 schemas, every $ref resolving in the document', () => {
    // Prepare
    const schemas = schemasOf(document);

    // Act
    const problems = schemas.flatMap(([where, schema]) => schemaProblems(schema, where, document));

    // Assess
    expect(schemas.length).toBeGreaterThan(routes.length);
    expect(problems).toEqual([]);
  });

  it('the schema checker finds a broken schema (so that the test above can fail)', () => {
    const broken = { components: { schemas: {} } };
    expect(schemaProblems({ type: 'strin' }, 'x', broken)).toEqual(['x: type strin']);
    expect(schemaProblems({ $ref: '#/components/schemas/Nope' }, 'x', broken)).toHaveLength(1);
    expect(schemaProblems({ type: 'object', required: ['a'] }, 'x', broken)).toHaveLength(1);
    expect(schemaProblems({ minLength: 1 }, 'x', broken)).toHaveLength(1);
  });
});
