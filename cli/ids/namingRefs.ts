/**
 * A request about two records (a link: topic and client; a public key: two clients) whose 404 says which one is
 * missing in the operator's words (`no client "bob"`) instead of the API's (`no client with id 5c9e...`).
 */
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import type { Ref } from './refs.js';

/** `message` with the id of one of `refs` in it, as `no <its label>`; other messages as they are. */
export function notFoundMessage(message: string, refs: readonly Ref[]): string {
  const ref = refs.find((r) => message.toLowerCase().includes(r.id));
  return ref && /^no (client|topic) with /.test(message) ? `no ${ref.label}` : message;
}

export async function namingRefs<T>(refs: readonly Ref[], request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.NotFound) {
      throw new CliError(notFoundMessage(error.message, refs), error.exitCode, error.code);
    }
    throw error;
  }
}
