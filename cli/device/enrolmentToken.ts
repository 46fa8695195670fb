/**
 * The enrolment window's token a device enrols itself with (`e4c2 device enrol --token -` or `--token-file FILE`):
 * read from stdin or a file, never taken as an argument's value (it would show in `ps` and the shell's history). It
 * is not an operator key: it is used for `POST /v1/enrol` only and never stored.
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../CliError.js';
import { secretFromStdin, secretOfText } from '../keys/secretFromStdin.js';

export interface TokenFlags {
  readonly token?: string;
  readonly tokenFile?: string;
}

/** The token the flags point to; undefined when neither is given (an operator's enrolment). */
export async function enrolmentToken(
  flags: TokenFlags,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string | undefined> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw usageError('give the token with --token - (stdin) or --token-file, not both');
  }
  if (flags.token !== undefined) {
    if (flags.token !== '-') {
      throw usageError('--token takes "-" (the token on stdin), never the token itself: or use --token-file FILE');
    }
    return (await secretFromStdin('enrolment token', stdin)).trim();
  }
  if (flags.tokenFile === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(flags.tokenFile, 'utf8');
  } catch (error) {
    throw usageError(`--token-file ${flags.tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const token = secretOfText(text).trim();
  if (token === '') throw usageError(`--token-file ${flags.tokenFile}: no token in it`);
  return token;
}
