/**
 * The API key `e4c2 login` stores, never from a flag (it would show in `ps` and the shell's history): the first line
 * of stdin with `--with-token` (as `gh auth login --with-token`), else a prompt on the terminal that does not echo.
 */
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** A line typed on the terminal, not echoed (backspace works; Ctrl-C or Ctrl-D cancel). */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CliError('login cancelled', ExitCode.Usage));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readToken(options: { withToken?: boolean }): Promise<string> {
  let text: string;
  if (options.withToken) text = (await readStdin()).split(/\r?\n/)[0] ?? '';
  else if (process.stdin.isTTY) text = await promptHidden('API key (not shown): ');
  else throw usageError('give the API key on stdin with --with-token (e.g. `e4c2 login --with-token < key.txt`)');
  const token = text.trim();
  if (token === '') throw usageError('no API key given');
  return token;
}
