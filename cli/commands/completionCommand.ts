/** `e4c2 completion bash|zsh`: prints the shell completion script of the command tree (see completionScript.ts). */
import { Argument, Command } from 'commander';
import { action } from '../CliContext.js';
import { completionScript, SHELLS, type Shell } from '../completion/completionScript.js';
import { withExamples } from './withExamples.js';

export function completionCommand(): Command {
  const completion = new Command('completion')
    .description('print the shell completion script of e4c2 (commands, subcommands, options)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS));
  return withExamples(completion, [
    'source <(e4c2 completion bash)',
    'e4c2 completion zsh > ~/.zsh/completions/_e4c2',
  ]).action(
    action(async (context, shell: Shell) => {
      let root: Command = completion;
      while (root.parent) root = root.parent;
      context.output.line(completionScript(root, shell).trimEnd());
    }),
  );
}
