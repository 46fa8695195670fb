/**
 * What every command's action gets: the output (from `--output`/`--json`) and the API (from `--profile`,
 * `--api-url` and the environment), the latter made on first use so that commands without a C2 (keygen, completion)
 * need no configuration.
 */
import type { Command } from 'commander';
import { Api } from './api/Api.js';
import { type ConnectionOptions, resolveConnection } from './config/resolveConnection.js';
import { Output, outputFormatOf } from './output/Output.js';

export interface GlobalOptions extends ConnectionOptions {
  output?: string;
  json?: boolean;
}

export class CliContext {
  readonly output: Output;
  private madeApi?: Api;

  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.output = new Output(outputFormatOf(options));
  }

  get api(): Api {
    this.madeApi ??= new Api(resolveConnection(this.options, this.env));
    return this.madeApi;
  }

  /** The API without a key, for the requests that need none (`GET /v1/health`). */
  get anonymousApi(): Api {
    return new Api(resolveConnection(this.options, this.env, { keyRequired: false }));
  }
}

/**
 * An action for commander: `handler(context, ...arguments, options)`. Commander calls an action with the
 * positional arguments, the command's options and the command itself; the context comes from the command's options
 * merged with the global ones.
 */
export function action<A extends unknown[]>(
  handler: (context: CliContext, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return (...args) => {
    const command = args[args.length - 1] as Command;
    return handler(new CliContext(command.optsWithGlobals<GlobalOptions>()), ...(args.slice(0, -1) as A));
  };
}
