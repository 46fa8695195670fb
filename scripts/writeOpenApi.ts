/**
 * `npm run openapi`: writes the OpenAPI 3.1 document of the HTTP API (generated from the route table, as served at
 * GET /v1/openapi.json) to docs/openapi.json. test/unit/openApiFile.test.ts fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../functions/api/openApiDocument.js';
import { routes } from '../functions/api/routes.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(routes), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, openApiText());
  console.log(`wrote ${OPENAPI_FILE}`);
}
