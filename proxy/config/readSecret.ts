/**
 * The value of a configured {@link Secret}: a file's content (one trailing newline removed) or an environment
 * variable. Errors name the file or the variable, never the value.
 */
import { readFile } from 'node:fs/promises';
import type { Secret } from './ProxyConfig.js';

export async function readSecret(secret: Secret, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in secret) {
    const value = env[secret.env];
    if (value === undefined) throw new Error(`the environment variable ${secret.env} is not set`);
    return value;
  }
  try {
    return (await readFile(secret.file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`cannot read the secret file ${secret.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
