/**
 * A secret the API shows once (an API key's token, a tenant's first admin key): the answer on stdout, a line on
 * stderr saying it is shown once. Never in an error message.
 */
import type { Output } from './Output.js';

export function shownOnce(output: Output, answer: object, what: string): void {
  output.record(answer);
  output.note(`The ${what} is shown once: only its hash is stored. Keep it now.`);
}
