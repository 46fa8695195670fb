/**
 * Takes links off in bulk (a topic's clients, or a client's topics), one request each, in turn: each is an operation
 * (the topic re-keyed for the clients that stay) whose id is returned to follow; a failure stops nothing after it.
 */
import { api, call, messageOf } from '../api/api.js';

export interface Unlinked {
  readonly label: string;
  readonly operationId?: string;
  readonly error?: string;
}

export async function unlinkMany(links: readonly { topicHash: string; clientId: string; label: string }[]) {
  const results: Unlinked[] = [];
  for (const { topicHash, clientId, label } of links) {
    try {
      const answer = await call(
        api.DELETE('/v1/topics/{topicHash}/clients/{clientId}', { params: { path: { topicHash, clientId } } }),
      );
      const operationId = answer && 'operation' in answer && answer.operation ? answer.operation.id : undefined;
      results.push(operationId ? { label, operationId } : { label });
    } catch (failure) {
      results.push({ label, error: messageOf(failure) });
    }
  }
  return results;
}
