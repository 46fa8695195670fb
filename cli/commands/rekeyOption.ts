/**
 * `--no-rekey` of the changes that take a client off topics (delete, reset, unlink): by default the C2 re-keys each
 * topic for the clients that stay; without, they keep a key the removed device still holds.
 */
import { type Command, Option } from 'commander';

export interface RekeyOptions {
  /** False with --no-rekey. */
  rekey?: boolean;
}

export function withRekey(command: Command): Command {
  return command.addOption(
    new Option('--no-rekey', 'keep the key of the topics it leaves (the removed device still holds it)'),
  );
}

/** The API's `rekey` query of the options. */
export const rekeyQuery = (options: RekeyOptions): { rekey?: 'false' } =>
  options.rekey === false ? { rekey: 'false' } : {};
