/**
 * How long `e4c2 device listen|read` runs: until it has seen `--count` events, until `--timeout` seconds have passed,
 * or until Ctrl-C (SIGINT) or SIGTERM, whichever comes first. A timeout before the count is a failure (exit 1).
 */
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

export class RunUntil {
  #seen = 0;
  #stop!: (why: 'count' | 'timeout' | 'signal') => void;
  readonly done: Promise<'count' | 'timeout' | 'signal'>;

  constructor(
    readonly count?: number,
    readonly timeoutS?: number,
  ) {
    let timer: NodeJS.Timeout | undefined;
    const onSignal = () => this.#stop('signal');
    this.done = new Promise((resolve) => {
      this.#stop = resolve;
    }).finally(() => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }) as Promise<'count' | 'timeout' | 'signal'>;
    // Unref: the broker connection keeps the process alive while it runs, and a failed start must not wait for this.
    if (timeoutS !== undefined) timer = setTimeout(() => this.#stop('timeout'), timeoutS * 1000).unref();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  /** Whether more events are wanted. */
  get wanted(): boolean {
    return this.count === undefined || this.#seen < this.count;
  }

  /** One more event seen. */
  seen(): void {
    this.#seen++;
    if (!this.wanted) this.#stop('count');
  }

  /** Fails when the time ran out before the count was reached. */
  check(what: string): void {
    if (this.count !== undefined && this.#seen < this.count) {
      throw new CliError(`${this.#seen} of ${this.count} ${what} within ${this.timeoutS} s`, ExitCode.Refused);
    }
  }
}
