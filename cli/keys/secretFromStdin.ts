/**
 * A secret piped to the CLI (`--password-stdin`, `--password -`): stdin read to its end, one final line break
 * dropped (what `echo` and files add), so that it never sits in the shell's history or the process list.
 */
import { usageError } from '../CliError.js';

/** The text of `input` without its last line break. */
export function secretOfText(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export async function secretFromStdin(what: string, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const secret = secretOfText(Buffer.concat(chunks).toString('utf8'));
  if (secret === '') throw usageError(`no ${what} on stdin`);
  return secret;
}
