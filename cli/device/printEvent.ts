/**
 * One event of `e4c2 device listen|read` as it happens: a line for people, a JSON object per line with `--json`
 * (JSON Lines), a one-item YAML list with `-o yaml` (the whole output is then one YAML list).
 */
import { stringify as toYaml } from 'yaml';
import type { Output } from '../output/Output.js';

export function printEvent(output: Output, record: Record<string, unknown>, text: string): void {
  if (output.format === 'json') output.line(JSON.stringify(record));
  else if (output.format === 'yaml') output.line(toYaml([record]).trimEnd());
  else output.line(text);
}
