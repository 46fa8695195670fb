/**
 * Building blocks of the API's schemas, following E4's JSON conventions: bytes as standard base64 with padding, ids
 * as lowercase hex, times as ISO 8601, lists as `{ items, cursor? }`. Request schemas are strict (an unknown field is
 * an error) and bound every string, so that an oversized value is a 400, never a 5xx.
 */
// A namespace import: the bundler keeps only what is used (`import { z }` pulls in every locale, ~360 KB).
import * as z from 'zod';
import { fromBase64, utf8 } from '../../e4/index.js';

/** A string of 1 to `maxBytes` bytes of UTF-8 (its semantics are checked by the use case). */
export function utf8Text(maxBytes: number) {
  const message = `must be a string of 1 to ${maxBytes} bytes of UTF-8`;
  return z
    .string({ error: message })
    .min(1, { error: message })
    .max(maxBytes, { error: message })
    .refine((text) => utf8(text).length <= maxBytes, { error: message });
}

/** `length` bytes in standard base64 with padding, decoded (non-zero trailing bits are refused: one spelling). */
export function base64Bytes(length: number) {
  const message = `must be ${length} bytes in standard base64 with padding`;
  const chars = Math.ceil(length / 3) * 4;
  return z
    .string({ error: message })
    .length(chars, { error: message })
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: message })
    .meta({ contentEncoding: 'base64' })
    .transform((text, ctx) => {
      const bytes = fromBase64(text);
      if (bytes?.length !== length) {
        ctx.issues.push({ code: 'custom', message, input: text });
        return z.NEVER;
      }
      return bytes;
    });
}

/** `length` bytes as lowercase hex (responses). */
export const hexBytes = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length * 2}}$`));

/**
 * An E4 id in a path: exactly `2 * length` hex characters in either case, normalised to lowercase here, at the edge
 * (left as text: the route resolves it). Paths address records by id because ids are URL-safe, where names and
 * topics are not (API Gateway HTTP APIs decode the path before the Lambda sees it, so `/` and `%` cannot be inside a
 * segment).
 */
export function hexIdParam(length: number, description: string) {
  const message = `must be ${length * 2} hex characters`;
  return z
    .string({ error: message })
    .regex(new RegExp(`^[0-9a-fA-F]{${length * 2}}$`), { error: message })
    .transform((hex) => hex.toLowerCase())
    .meta({ description: `${description} Either hex case is accepted.` });
}

/** An ISO 8601 time in UTC (responses). */
export const isoTime = () => z.iso.datetime();

const LIMIT_MESSAGE = 'must be an integer from 1 to 100';

/** The query of a list: `limit` 1..100 (default 20) and the `cursor` of the previous page. */
export const PageQuerySchema = z.strictObject({
  limit: z
    .preprocess(
      (value) => (typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value),
      z.number({ error: LIMIT_MESSAGE }).int({ error: LIMIT_MESSAGE }).min(1, { error: LIMIT_MESSAGE }).max(100, {
        error: LIMIT_MESSAGE,
      }),
    )
    .default(20)
    .meta({ description: 'Page size, 1 to 100 (default 20).' }),
  cursor: z
    .string()
    .min(1, { error: 'must be a cursor returned by a previous page' })
    .max(4096, { error: 'must be a cursor returned by a previous page' })
    .optional()
    .meta({ description: 'The cursor of the previous page (absent for the first page).' }),
});

/**
 * A target filter is a type and a name (`targetType` and `target`): one without the other is refused, named where it
 * is missing (a superRefine of the list queries that take one).
 */
export function requireTargetPair(
  query: { readonly targetType?: unknown; readonly target?: unknown },
  ctx: z.RefinementCtx,
): void {
  const [given, missing] = query.target === undefined ? ['targetType', 'target'] : ['target', 'targetType'];
  if ((query.targetType === undefined) !== (query.target === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be given with "${given}" (a target is a type and a name)`,
      path: [missing],
    });
  }
}

/**
 * The query of a list that can also look one record up by name (`field`, URL-encoded in the query): the E4 id is a
 * hash of the name, so the answer is a page of zero or one item, without a cursor (giving one too is refused).
 */
export function lookupQuery<K extends string, V extends z.ZodType>(field: K, value: V, description: string) {
  const shape = { [field]: value.optional().meta({ description }) } as { [P in K]: z.ZodOptional<V> };
  return PageQuerySchema.extend(shape).refine(
    (query) => {
      const given = query as Record<string, unknown>;
      return given[field] === undefined || given.cursor === undefined;
    },
    { error: `cannot be given with "${field}" (a lookup is one page)`, path: ['cursor'] },
  );
}

/**
 * A list's query with a lookup by exact `field` (a page of zero or one, no cursor) or a search by `prefixField` (a
 * page at a time, with a cursor), one or the other.
 */
export function lookupOrPrefixQuery<K extends string, P extends string, V extends z.ZodType>(
  field: K,
  prefixField: P,
  value: V,
  descriptions: { readonly lookup: string; readonly prefix: string },
) {
  const shape = {
    [field]: value.optional().meta({ description: descriptions.lookup }),
    [prefixField]: value.optional().meta({ description: descriptions.prefix }),
  } as { [F in K | P]: z.ZodOptional<V> };
  return PageQuerySchema.extend(shape)
    .refine(
      (query) => {
        const given = query as Record<string, unknown>;
        return given[field] === undefined || given.cursor === undefined;
      },
      { error: `cannot be given with "${field}" (a lookup is one page)`, path: ['cursor'] },
    )
    .refine(
      (query) => {
        const given = query as Record<string, unknown>;
        return given[field] === undefined || given[prefixField] === undefined;
      },
      { error: `cannot be given with "${field}": give one of them`, path: [prefixField] },
    );
}

/**
 * The `rekey` query of the removals (unlink, delete and reset a client): `true` (the default) or `false`, nothing
 * else (not `1`, not `TRUE`: a typo must not silently keep the key of a removed client in use).
 */
export const RekeyQuerySchema = z.strictObject({
  rekey: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .default('true')
    .transform((rekey) => rekey === 'true')
    .meta({
      description:
        'Rotate the key of every topic the client leaves, for the clients that stay (default true). "false" leaves ' +
        'them on a key the removed device still holds.',
    }),
});

/** A page of `item`: `cursor` is present when there may be more. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    cursor: z.string().optional().meta({ description: 'Pass it back as `cursor` to get the next page.' }),
  });

/**
 * A response of JSON lines (`application/x-ndjson`): `lines`, each one line of the body, and `next`, the cursor of
 * the following part when there is more (sent as a `Link: <...>; rel="next"` header, not in the body).
 */
export const linesOf = <T extends z.ZodType>(line: T) =>
  z.strictObject({ lines: z.array(line), next: z.string().optional() });

/** Every error response: a stable code and a message (generic for 5xx), and for some errors the items they name. */
export const ErrorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: 'Stable error code, e.g. INVALID_INPUT, NOT_FOUND, ALREADY_EXISTS.' }),
      message: z.string(),
      details: z
        .strictObject({
          devices: z
            .array(
              z.strictObject({
                name: z.string(),
                reason: z.enum(['name-taken', 'other-key']).meta({
                  description:
                    'name-taken: the name is held by a tenant or another batch; other-key: the batch holds the ' +
                    'device with another key, or it is claimed.',
                }),
              }),
            )
            .optional()
            .meta({ description: 'Every device a factory call refused (the message names ten at most).' }),
        })
        .optional()
        .meta({ description: 'What the error names item by item, when it names items (never a key).' }),
    }),
  })
  .meta({ id: 'Error' });
