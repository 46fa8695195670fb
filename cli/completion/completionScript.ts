/**
 * `e4c2 completion bash|zsh`: completion scripts written here from the command tree (commander has no completion of
 * its own, and the packages that add one either drive a different parser or run `e4c2` on every <Tab>; a script
 * generated once is instant and needs nothing at run time). Both shells share the same tables, written as `case`
 * statements that bash and zsh read alike: the subcommands of a command path, the canonical name of an alias, the
 * options of a path, whether an option takes a value, and its choices. The shell's function walks the words typed so
 * far to find the command path (skipping option values), then offers the choices of the option before the cursor,
 * options after a `-`, or subcommands.
 */
import type { Command } from 'commander';
import { type CompletionNode, commandTree } from './commandTree.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Words are command names, flags and choices: letters, digits, `-`, `_`, `.`; anything else is quoted. */
const quote = (word: string) => (/^[\w.-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
/** `printf`, not `echo`: zsh's and bash's `echo` read some words that start with `-` as their own options. */
const print = (list: readonly string[]) => `printf '%s\\n' ${list.map(quote).join(' ')}`;
const key = (...parts: string[]) => `"${parts.join('|')}"`;

/** A shell function that is one `case` over `subject`, with a branch per pattern list, and `otherwise` after it. */
function caseFunction(name: string, subject: string, branches: readonly [string[], string][], otherwise = ''): string {
  const lines = branches
    .filter(([patterns]) => patterns.length > 0)
    .map(([p, body]) => `    ${p.join('|')}) ${body} ;;`);
  return `${name}() {\n  case "${subject}" in\n${lines.join('\n')}\n  esac${otherwise ? `\n  ${otherwise}` : ''}\n}`;
}

function tables(nodes: readonly CompletionNode[]): string {
  const valued = (node: CompletionNode) => node.options.filter((o) => o.takesValue);
  return [
    '# The subcommands (names and aliases) of command path $1.',
    caseFunction(
      '_e4c2_subcommands',
      '$1',
      nodes
        .filter((n) => n.subcommands.length > 0)
        .map((n) => [[key(n.path)], print(n.subcommands.map((s) => s.word))]),
    ),
    '# The canonical name of subcommand $2 of command path $1 (nothing when $2 is not one).',
    caseFunction(
      '_e4c2_subcommand',
      '$1|$2',
      nodes.flatMap((n) => n.subcommands.map((s): [string[], string] => [[key(n.path, s.word)], print([s.name])])),
    ),
    '# The options of command path $1 (its own and the global ones).',
    caseFunction(
      '_e4c2_options',
      '$1',
      nodes.map((n) => [[key(n.path)], print(n.options.flatMap((o) => o.flags))]),
    ),
    '# Whether option $2 of command path $1 takes a value (the next word).',
    caseFunction(
      '_e4c2_takes_value',
      '$1|$2',
      nodes.map((n) => [valued(n).flatMap((o) => o.flags.map((flag) => key(n.path, flag))), 'return 0']),
      'return 1',
    ),
    '# The choices of option $2 of command path $1.',
    caseFunction(
      '_e4c2_choices',
      '$1|$2',
      nodes.flatMap((n) =>
        valued(n)
          .filter((o) => o.choices.length > 0)
          .map((o): [string[], string] => [o.flags.map((flag) => key(n.path, flag)), print(o.choices)]),
      ),
    ),
  ].join('\n');
}

/**
 * `_e4c2_path WORDS...` sets `cmd` to the canonical command path of the words typed before the cursor (option values
 * skipped). Not `path`: zsh ties that name to $PATH.
 */
const WALK = `_e4c2_path() {
  local word sub skip=0
  cmd=""
  for word in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$word" in
      --*=*) ;;
      -*) _e4c2_takes_value "$cmd" "$word" && skip=1 ;;
      *)
        sub=$(_e4c2_subcommand "$cmd" "$word")
        if [ -n "$sub" ]; then cmd="\${cmd:+$cmd }$sub"; fi
        ;;
    esac
  done
}

# The candidates for word $1 after word $2, in command path $cmd.
_e4c2_candidates() {
  if _e4c2_takes_value "$cmd" "$2"; then
    _e4c2_choices "$cmd" "$2"
  else
    case "$1" in
      -*) _e4c2_options "$cmd" ;;
      *) _e4c2_subcommands "$cmd" ;;
    esac
  fi
}`;

function bashScript(nodes: readonly CompletionNode[]): string {
  return `# bash completion for e4c2 (\`source <(e4c2 completion bash)\`, e.g. in ~/.bashrc)
${tables(nodes)}
${WALK}

_e4c2() {
  local cmd cur="\${COMP_WORDS[COMP_CWORD]}" prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  _e4c2_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}"
  COMPREPLY=($(compgen -W "$(_e4c2_candidates "$cur" "$prev")" -- "$cur"))
}
complete -o default -F _e4c2 e4c2
`;
}

function zshScript(nodes: readonly CompletionNode[]): string {
  return `#compdef e4c2
# zsh completion for e4c2 (\`source <(e4c2 completion zsh)\` after compinit, or this file as _e4c2 in $fpath)
${tables(nodes)}
${WALK}

_e4c2() {
  local cmd
  local -a candidates
  _e4c2_path "\${(@)words[2,CURRENT-1]}"
  candidates=(\${(z)"$(_e4c2_candidates "\${words[CURRENT]}" "\${words[CURRENT-1]}")"})
  if [ \${#candidates} -gt 0 ]; then compadd -- "\${candidates[@]}"; else _files; fi
}

if [ "$funcstack[1]" = "_e4c2" ]; then
  _e4c2 "$@"
else
  compdef _e4c2 e4c2
fi
`;
}

export function completionScript(program: Command, shell: Shell): string {
  const nodes = commandTree(program);
  return shell === 'bash' ? bashScript(nodes) : zshScript(nodes);
}
