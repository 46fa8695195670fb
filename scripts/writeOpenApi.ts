/**
 * `npm run openapi`: writes the OpenAPI 3.1 document of the HTTP API (generated from the route table, as served at
 * GET /v1/openapi.json) to docs/openapi.json, and the request and response types generated from it by
 * openapi-typescript to cli/api/openapi.d.ts and web/src/api/openapi.d.ts (so neither the CLI nor the web UI can drift
 * from the API). test/unit/openApiFile.test.ts fails when any of them is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { openApiDocument } from '../functions/api/openApiDocument.js';
import { routes } from '../functions/api/routes.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
export const CLI_TYPES_FILE = fileURLToPath(new URL('../cli/api/openapi.d.ts', import.meta.url));
export const WEB_TYPES_FILE = fileURLToPath(new URL('../web/src/api/openapi.d.ts', import.meta.url));

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(routes), null, 2)}\n`;
}

/** The API's types for the CLI and the web UI alike (one generation, two copies: neither imports the other). */
export async function apiTypesText(): Promise<string> {
  const ast = await openapiTS(JSON.parse(openApiText()), { silent: true });
  return COMMENT_HEADER + astToString(ast);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, openApiText());
  const types = await apiTypesText();
  writeFileSync(CLI_TYPES_FILE, types);
  writeFileSync(WEB_TYPES_FILE, types);
  console.log(`wrote ${OPENAPI_FILE}, ${CLI_TYPES_FILE} and ${WEB_TYPES_FILE}`);
}
