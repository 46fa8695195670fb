/**
 * `e4c2 completion bash|zsh` as a subprocess: the bash script registers its function, which completes commands,
 * aliases, subcommands, options and option choices as bash calls it (COMP_WORDS / COMP_CWORD); the zsh script parses
 * and, once compinit has run, registers itself and offers the same candidates. zsh is not always installed: its
 * test is skipped then (it says so).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../cli/program.js';
import { e4c2 } from '../support/cliRun.js';

const hasZsh = spawnSync('zsh', ['--version']).status === 0;
/** What `e4c2 clients <TAB>` offers: the group's verbs and their aliases, in the tree's order. */
const clientVerbs = createProgram()
  .commands.find((command) => command.name() === 'clients')!
  .commands.flatMap((command) => [command.name(), ...command.aliases()])
  .join(' ');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e4c2-completion-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const run = await e4c2(['completion', shell]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const file = join(dir, `e4c2.${shell}`);
  await writeFile(file, run.stdout);
  return file;
}

function shell(program: 'bash' | 'zsh', code: string): string {
  const run = spawnSync(program, ['-c', code], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe('e4c2 completion', () => {
  it('completes commands, subcommands, options and choices in bash', async () => {
    const file = await script('bash');
    const completions = (...words: string[]) =>
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _e4c2; ` +
      `echo "\${COMPREPLY[*]}"`;
    const out = shell(
      'bash',
      [
        `source <(cat '${file}')`,
        'complete -p e4c2',
        completions('e4c2', 'cl'),
        completions('e4c2', 'clients', ''),
        completions('e4c2', '--profile', 'prod', 'client', 'l'),
        completions('e4c2', 'clients', 'list', '--l'),
        completions('e4c2', 'keygen', '--type', 'e'),
        completions('e4c2', '-o', 'y'),
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual([
      'complete -o default -F _e4c2 e4c2',
      'clients client',
      clientVerbs,
      'list ls',
      '--limit',
      'ed25519',
      'yaml',
      '',
    ]);
  });

  it.skipIf(!hasZsh)('parses in zsh, registers with compinit and offers the same candidates', async () => {
    const file = await script('zsh');
    shell('zsh', `zsh -n '${file}'`);
    const out = shell(
      'zsh',
      [
        'autoload -U compinit && compinit -u -d "$HOME/.zcompdump"',
        `source '${file}'`,
        `print -r -- \${_comps[e4c2]}`,
        `words=(e4c2 clients ""); _e4c2_path "\${(@)words[2,2]}"; print -r -- $cmd`,
        'print -r -- $(_e4c2_candidates "" clients)',
        'print -r -- $(_e4c2_candidates --o clients)',
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual(['_e4c2', 'clients', clientVerbs, expect.stringContaining('--output'), '']);
  });

  it('is a usage error for another shell (exit 2)', async () => {
    const run = await e4c2(['completion', 'fish']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bash, zsh');
  });
});

if (!hasZsh) console.info('completion.test.ts: zsh is not installed, its test is skipped (apt-get install zsh)');
