/**
 * `e4c2 keygen`: a key in e4go's e4keygen layout (e4keygen's `-type`, `-out` and `-force` as `--type`, `--out`,
 * `--force`), made here without a C2: a device's symmetric key, a device's Ed25519 key pair (public-key mode), or a
 * Curve25519 key pair (the C2's, for e4go's C2). It prints the files written and the public key (hex), never the
 * private key.
 */
import { Command, Option } from 'commander';
import { bytesToHex } from '../../shared/e4/node/index.js';
import { action } from '../CliContext.js';
import { generateKey, KEY_TYPES, type KeyType } from '../keygen/generateKey.js';
import { writeKeyFiles } from '../keygen/writeKeyFiles.js';
import { withExamples } from './withExamples.js';

interface KeygenOptions {
  type: KeyType;
  out: string;
  force?: boolean;
}

export function keygenCommand(): Command {
  return withExamples(
    new Command('keygen')
      .description(
        "make a key in e4keygen's files: raw bytes in <out> (0600) and, for a key pair, the public key in <out>.pub",
      )
      .addOption(new Option('--type <type>', 'the kind of key').choices(KEY_TYPES).default('symmetric'))
      .requiredOption('--out <file>', 'the private (or symmetric) key file; the public key goes to <file>.pub')
      .option('--force', 'overwrite existing key files'),
    [
      'e4c2 keygen --out alice.key',
      'e4c2 keygen --type ed25519 --out alice.key',
      'e4c2 keygen --type curve25519 --out c2.key --force',
    ],
  ).action(
    action(async (context, options: KeygenOptions) => {
      const key = generateKey(options.type);
      const files = await writeKeyFiles(options.out, key, { force: options.force === true });
      const publicKey = key.publicKey ? bytesToHex(key.publicKey) : undefined;
      if (!context.output.forPeople) {
        context.output.data({ type: options.type, files, ...(publicKey ? { publicKey } : {}) });
        return;
      }
      context.output.line(`Private key written to ${files.privateKey}`);
      if (files.publicKey) context.output.line(`Public key written to ${files.publicKey}`);
      if (publicKey) context.output.line(`Public key: ${publicKey}`);
    }),
  );
}
