/**
 * The claim code `e4c2 clients claim` sends (`--code -` or `--code-file FILE`): read from stdin or a file, never
 * taken as an argument's value. An unused code is a bearer credential for its device (whoever claims it first owns
 * it), and argv shows in `ps` and the shell's history.
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../CliError.js';
import { secretFromStdin, secretOfText } from '../keys/secretFromStdin.js';

export interface ClaimCodeFlags {
  readonly code?: string;
  readonly codeFile?: string;
}

export async function claimCodeInput(
  flags: ClaimCodeFlags,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  if ((flags.code === undefined) === (flags.codeFile === undefined)) {
    throw usageError('give the claim code with --code - (stdin) or --code-file FILE');
  }
  if (flags.code !== undefined) {
    if (flags.code !== '-') {
      throw usageError('--code takes "-" (the code on stdin), never the code itself: or use --code-file FILE');
    }
    return (await secretFromStdin('claim code', stdin)).trim();
  }
  let text: string;
  try {
    text = await readFile(flags.codeFile!, 'utf8');
  } catch (error) {
    throw usageError(`--code-file ${flags.codeFile}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const code = secretOfText(text).trim();
  if (code === '') throw usageError(`--code-file ${flags.codeFile}: no code in it`);
  return code;
}
