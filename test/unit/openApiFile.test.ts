/** docs/openapi.json is the document the API serves (regenerate it with `npm run openapi`). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { OPENAPI_FILE, openApiText } from '../../scripts/writeOpenApi.js';

it('docs/openapi.json is up to date with the route table', () => {
  expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
});
