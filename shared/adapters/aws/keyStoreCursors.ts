/**
 * Cursors of the single table's lists (DynamoKeyStore, DynamoOperationStore): the base64url JSON of DynamoDB's
 * LastEvaluatedKey, checked to belong to the same tenant and range (a cursor of one topic's links does not page
 * another topic's).
 */
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { type Item, partition } from './keyStoreItems.js';

export function encodeCursor(key: Item | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify({ pk: key.PK!.S, sk: key.SK!.S })).toString('base64url');
}

/**
 * What may follow a list's prefix in a cursor's sort key: the hex of an E4 id or hash (clients, topics, links), an
 * event or operation id, all short printable ASCII. Anything else (e.g. a key longer than DynamoDB's 1,024 bytes,
 * which it would refuse, a 500 of ours) is an INVALID_CURSOR.
 */
const SORT_KEY_REST = /^[\x21-\x7e]{1,128}$/;

export function decodeCursor(cursor: string, tenantId: string, prefix: string): Item {
  try {
    const { pk, sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { pk: unknown; sk: unknown };
    if (
      pk === partition(tenantId) &&
      typeof sk === 'string' &&
      sk.startsWith(prefix) &&
      SORT_KEY_REST.test(sk.slice(prefix.length))
    ) {
      return { PK: { S: pk }, SK: { S: sk } };
    }
  } catch {
    // fall through
  }
  throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
}
