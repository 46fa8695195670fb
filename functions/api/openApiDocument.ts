/**
 * The OpenAPI 3.1 document of a route table, generated from its zod schemas with `z.toJSONSchema` (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1): request schemas as the client writes them, response schemas as it reads them.
 * Schemas with an `id` (`.meta({ id })`) become shared components.
 */
import * as z from 'zod';
import { ErrorBodySchema } from '../../shared/c2/schemas/common.js';
import type { ApiRoute } from './defineRoute.js';

type JsonSchema = { [key: string]: unknown };

/** A type (not an interface) so that it is an index-signature object, like the JSON it becomes. */
export type OpenApiDocument = {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly responses: Record<string, unknown>;
    readonly securitySchemes: Record<string, unknown>;
  };
};

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };
const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Names this request for its retries (1 to 128 printable ASCII characters, kept a day): a retry with the same ' +
    'key answers with the operation the first one started, and starts nothing more.',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
};
const documents = new WeakMap<readonly ApiRoute[], OpenApiDocument>();

/** The document of `routes` (built once per table). */
export function openApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  let document = documents.get(routes);
  if (!document) {
    document = buildDocument(routes);
    documents.set(routes, document);
  }
  return document;
}

function buildDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const { $schema: _dialect, $defs, ...json } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema;
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      const component = toComponentRefs(definition) as JsonSchema;
      if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(component)) {
        throw new Error(`two different schemas have the id ${id}`);
      }
      components[id] = component;
    }
    return toComponentRefs(json) as JsonSchema;
  };
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: toSchema(schema, 'output') } });
  // A JSON lines answer (a `linesOf` schema): each line is one `lines` item; `next` is the Link header.
  const jsonLines = (schema: z.ZodType) => ({
    description: 'Success: one JSON value per line.',
    headers: {
      Link: {
        description: 'When more remain: `<the same request from where this one stopped>; rel="next"`.',
        schema: { type: 'string' },
      },
    },
    content: {
      'application/x-ndjson': {
        schema: toSchema((schema as z.ZodObject<{ lines: z.ZodArray<z.ZodType> }>).shape.lines.element, 'output'),
      },
    },
  });
  const parameters = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return [];
    const json = toSchema(schema, 'input');
    const required = new Set((json.required ?? []) as string[]);
    return Object.entries((json.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => {
      const { description, ...propertySchema } = property;
      return {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: propertySchema,
      };
    });
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = {
      operationId: route.operationId,
      summary: route.summary,
      security: route.scope === 'public' ? [] : [{ apiKey: [] }],
      'x-e4c2-scope': route.scope,
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        ...(route.startsOperation ? [IDEMPOTENCY_KEY_HEADER] : []),
      ],
      ...(route.body
        ? {
            requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } },
          }
        : {}),
      responses: {
        ...(route.startsOperation
          ? {
              '200': { description: 'The operation has finished.', content: json(route.response) },
              '202': {
                description: 'The operation goes on: follow it at /v1/operations/{id}.',
                content: json(route.response),
              },
            }
          : route.jsonLines
            ? { [String(route.status)]: jsonLines(route.response) }
            : { [String(route.status)]: { description: 'Success.', content: json(route.response) } }),
        ...(route.scope === 'public' ? {} : { '401': ERROR_RESPONSE, '403': ERROR_RESPONSE, '429': ERROR_RESPONSE }),
        '4XX': ERROR_RESPONSE,
        '5XX': ERROR_RESPONSE,
      },
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }

  // Registers the Error component (ErrorBodySchema has the id 'Error').
  toSchema(ErrorBodySchema, 'output');

  return {
    openapi: '3.1.0',
    info: {
      title: 'e4c2 C2 API',
      version: '1.0.0',
      description:
        'The key server (C2) of e4c2. Bytes are standard base64 with padding, ids lowercase hex, times ISO 8601. ' +
        'Errors are `{ "error": { "code", "message" } }`.',
    },
    paths,
    components: {
      schemas: components,
      responses: {
        Error: {
          description: 'An error: a stable code and a message (generic for 5xx).',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key: `Authorization: Bearer e4c2.<tenant id>.<key id>.<secret>`.',
        },
      },
    },
  };
}

/** `#/$defs/X` (where z.toJSONSchema puts schemas with an id) -> `#/components/schemas/X`. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) =>
      key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')
        ? [key, `#/components/schemas/${item.slice('#/$defs/'.length)}`]
        : [key, toComponentRefs(item)],
    ),
  );
}
