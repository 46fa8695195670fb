/**
 * Every command and verb of `createProgram()`'s tree has a description and an "Examples:" section in its help (the
 * CLI's conventions): the test walks the tree and lists the offenders, so that a new command without them fails here.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../cli/program.js';

/** Each command with its path (`e4c2 clients list`), the root excluded. */
function commandsOf(command: Command, path: string): { path: string; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const subPath = `${path} ${sub.name()}`;
    return [{ path: subPath, command: sub }, ...commandsOf(sub, subPath)];
  });
}

/** The help as `--help` prints it, the text added by `addHelpText` included. */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
}

describe('the help of every command', () => {
  const commands = commandsOf(createProgram(), 'e4c2');

  it('walks a tree of several commands', () => {
    expect(commands.map((c) => c.path)).toEqual(expect.arrayContaining(['e4c2 clients', 'e4c2 clients list']));
  });

  it('has a description and an "Examples:" section with at least one example', () => {
    const offenders = commands.flatMap(({ path, command }) => {
      const missing = [
        ...(command.description().trim() === '' ? ['no description'] : []),
        ...(/\nExamples:\n {2}\$ .*\be4c2\b/.test(helpOf(command)) ? [] : ['no "Examples:" section']),
      ];
      return missing.length > 0 ? [`${path}: ${missing.join(', ')}`] : [];
    });
    expect(offenders).toEqual([]);
  });
});
