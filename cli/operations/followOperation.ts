/**
 * Follows an operation until it has finished (`finishedAt`): polled once a second.
 */
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';

const POLL_MS = 1000;

export async function followOperation(context: CliContext, operationId: string): Promise<Schemas['Operation']> {
  for (;;) {
    const operation = await context.api.call(
      (client) => client.GET('/v1/operations/{operationId}', { params: { path: { operationId } } }),
      { notFound: `no operation ${operationId}` },
    );
    if (operation.finishedAt) return operation;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
