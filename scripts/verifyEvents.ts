/**
 * `npm run verify-events -- <export.ndjson>`: checks an export of the event log (GET /v1/events/export) offline,
 * with nothing but the file: every hash recomputed, seq contiguous, each prevHash the hash before
 * (shared/c2/events/verifyEventChain.ts). Exit 0 with `ok: N events, seq a..b, head <hash>` on stdout; exit 1 with the
 * first broken line on stderr; exit 2 when the file cannot be read.
 */
import { readFileSync } from 'node:fs';
import { chainVerdictText, verifyEventChain } from '../shared/c2/events/verifyEventChain.js';

const [file, ...rest] = process.argv.slice(2);
if (file === undefined || rest.length > 0) {
  console.error('usage: npm run verify-events -- <export.ndjson>');
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  console.error(`verify-events: cannot read ${file}: ${(error as Error).message}`);
  process.exit(2);
}
const verdict = verifyEventChain(text.split('\n'));
if (verdict.ok) {
  console.log(chainVerdictText(verdict));
} else {
  console.error(`verify-events: ${file}: ${chainVerdictText(verdict)}`);
  process.exitCode = 1;
}
