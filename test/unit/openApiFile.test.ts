/**
 * docs/openapi.json is the document the API serves, and cli/api/openapi.d.ts the CLI's types generated from it
 * (regenerate both with `npm run openapi`).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { CLI_TYPES_FILE, cliTypesText, OPENAPI_FILE, openApiText } from '../../scripts/writeOpenApi.js';

it('docs/openapi.json is up to date with the route table', () => {
  expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
});

it("the CLI's API types are generated from docs/openapi.json as it is", async () => {
  expect(readFileSync(CLI_TYPES_FILE, 'utf8')).toBe(await cliTypesText());
});
