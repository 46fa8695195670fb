import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * A JSON lines response (`application/x-ndjson`): one JSON value per line, each line ending in `\n`; `link` (the
 * next part, when there is one) as a `Link` header. Never cached, as every API response.
 */
export function jsonLinesResponse(
  statusCode: number,
  lines: readonly unknown[],
  link?: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(link === undefined ? {} : { link }),
    },
    body: lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
  };
}
