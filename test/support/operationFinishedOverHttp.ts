/**
 * Waits for an operation to finish through the HTTP API alone, as a client of the API would: reads
 * `GET /v1/operations/{id}` until the operation has `finishedAt`; fails the test on an answer other than 200, or
 * after `timeoutMs`. `get` makes the call (through the handler, over HTTP, or through the Lambda function).
 */
import type { OperationView } from '../../shared/c2/operations/OperationView.js';

export type GetJson = (path: string) => Promise<{ readonly status: number; readonly json: unknown }>;

export async function operationFinishedOverHttp(
  get: GetJson,
  operationId: string,
  timeoutMs = 20_000,
): Promise<OperationView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await get(`/v1/operations/${operationId}`);
    if (answer.status !== 200)
      throw new Error(`GET operation ${operationId}: ${answer.status} ${JSON.stringify(answer.json)}`);
    const operation = answer.json as OperationView;
    if (operation.finishedAt !== undefined) return operation;
    if (Date.now() > deadline) {
      throw new Error(
        `operation ${operationId} still ${operation.status} after ${timeoutMs} ms: ${JSON.stringify(operation.counts)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
