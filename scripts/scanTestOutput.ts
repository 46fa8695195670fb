/**
 * `tsx scripts/scanTestOutput.ts <output file> [<secrets file>]`: the CI's check that the test suite printed no
 * secret (.ci/run tees `npm test` into a file): no whole API token, none of the secrets the tests recorded
 * (test/support/recordedSecrets.ts, one a line). Exit 0 with the count scanned; exit 1 with each leak's line and
 * kind on stderr (never the secret); exit 2 when a file cannot be read or no secret was recorded (a scan with
 * nothing to look for would pass by default).
 */
import { readFileSync } from 'node:fs';
import { findLeaks } from './findLeaks.js';

const [outputFile, secretsFile, ...rest] = process.argv.slice(2);
if (outputFile === undefined || rest.length > 0) {
  console.error('usage: tsx scripts/scanTestOutput.ts <output file> [<secrets file>]');
  process.exit(2);
}
let output: string;
let secrets: string[] = [];
try {
  output = readFileSync(outputFile, 'utf8');
  if (secretsFile !== undefined) secrets = readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean);
} catch (error) {
  console.error(`scan-test-output: ${(error as Error).message}`);
  process.exit(2);
}
if (secretsFile !== undefined && secrets.length === 0) {
  console.error(`scan-test-output: no secret recorded in ${secretsFile}: is E4C2_TEST_SECRETS set for the tests?`);
  process.exit(2);
}
const leaks = findLeaks(output, secrets);
if (leaks.length === 0) {
  console.log(`scan-test-output: no secret in ${outputFile} (${secrets.length} recorded spellings looked for)`);
} else {
  for (const leak of leaks)
    console.error(
      `scan-test-output: ${outputFile}:${leak.line}: ${leak.kind === 'token' ? 'an API token' : 'a recorded secret'}`,
    );
  process.exitCode = 1;
}
