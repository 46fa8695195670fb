/**
 * docs/openapi.json is the document the API serves, and cli/api/openapi.d.ts and web/src/api/openapi.d.ts the CLI's and
 * the web UI's types generated from it (regenerate them all with `npm run openapi`).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { apiTypesText, CLI_TYPES_FILE, OPENAPI_FILE, openApiText, WEB_TYPES_FILE } from '../../scripts/writeOpenApi.js';

it('docs/openapi.json is up to date with the route table', () => {
  expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
});

it("the CLI's API types are generated from docs/openapi.json as it is", async () => {
  expect(readFileSync(CLI_TYPES_FILE, 'utf8')).toBe(await apiTypesText());
});

it("the web UI's API types are generated from docs/openapi.json as it is", async () => {
  expect(readFileSync(WEB_TYPES_FILE, 'utf8')).toBe(await apiTypesText());
});
