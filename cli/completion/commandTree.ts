/**
 * What shell completion knows of the `e4c2` command tree: for each command path (`""`, `"clients"`,
 * `"clients list"`), its subcommands (names and aliases), its options (with the global ones) and, for an option that
 * takes a value, the value's choices. Read from commander's objects, so that a new command completes without more
 * work.
 */
import type { Command, Option } from 'commander';

export interface CompletionOption {
  /** `--limit`, `-o`... */
  readonly flags: readonly string[];
  readonly takesValue: boolean;
  readonly choices: readonly string[];
}

export interface CompletionNode {
  /** The canonical names from the root, space-separated (`""` for the root). */
  readonly path: string;
  /** Each subcommand's name and aliases, with its canonical name. */
  readonly subcommands: readonly { readonly word: string; readonly name: string }[];
  /** Its own options and those of its ancestors (global options), `--help` included. */
  readonly options: readonly CompletionOption[];
}

function optionOf(option: Option): CompletionOption {
  return {
    flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  };
}

const HELP: CompletionOption = { flags: ['-h', '--help'], takesValue: false, choices: [] };

export function commandTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const walk = (command: Command, path: string, inherited: readonly CompletionOption[]): void => {
    const options = [...inherited, ...command.options.filter((option) => !option.hidden).map(optionOf)];
    const visible = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
    nodes.push({
      path,
      subcommands: visible.flatMap((sub) => [sub.name(), ...sub.aliases()].map((word) => ({ word, name: sub.name() }))),
      options: [HELP, ...options.filter((option) => option !== HELP)],
    });
    // `--version` is the root's alone; the other options of a command hold for its subcommands (global options).
    const inheritable = options.filter((option) => !option.flags.includes('--version'));
    for (const sub of visible) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), inheritable);
  };
  walk(program, '', []);
  return nodes;
}
