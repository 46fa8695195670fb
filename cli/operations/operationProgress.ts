/**
 * The progress of an operation being followed, on stderr: a bar (cli-progress) when stderr is a terminal, devices
 * done (sent, confirmed or failed) out of the total with the status; otherwise a status line per change, at most one
 * a second, so that logs of CI jobs stay short.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { Schemas } from '../api/Api.js';
import { StatusLines, statusLine } from './statusLine.js';

type Operation = Schemas['Operation'];

export interface OperationProgress {
  update(operation: Operation): void;
  /** Ends the bar (or prints the last line not printed yet). */
  stop(operation?: Operation): void;
}

const done = (operation: Operation) => operation.counts.sent + operation.counts.confirmed + operation.counts.failed;

function barProgress(stream: NodeJS.WriteStream): OperationProgress {
  const bar = new SingleBar(
    {
      stream,
      format:
        '{status} [{bar}] {value}/{total} devices | {sent} sent, {confirmed} confirmed, {failed} failed{confirmation}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  const payload = (operation: Operation) => ({
    sent: operation.counts.sent,
    confirmed: operation.counts.confirmed,
    failed: operation.counts.failed,
    status: operation.status,
    confirmation: operation.confirmation ? ` | ${operation.confirmation.percent}% of those able confirmed` : '',
  });
  return {
    update(operation) {
      if (!started) {
        bar.start(Math.max(operation.counts.total, 1), done(operation), payload(operation));
        started = true;
      } else {
        bar.setTotal(Math.max(operation.counts.total, 1));
        bar.update(done(operation), payload(operation));
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WritableStream, now: () => number): OperationProgress {
  const lines = new StatusLines();
  const print = (line: string | undefined) => {
    if (line !== undefined) stream.write(`${line}\n`);
  };
  return {
    update: (operation) => print(lines.next(statusLine(operation), now())),
    stop: (operation) => {
      if (operation) print(lines.final(statusLine(operation), now()));
    },
  };
}

const NO_PROGRESS: OperationProgress = { update: () => undefined, stop: () => undefined };

/**
 * A bar on a terminal; otherwise status lines, when people read the output (a table): with `--json` / `-o yaml` and
 * no terminal, a script runs the command, and its stderr stays for errors.
 */
export function operationProgress(
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
  forPeople = true,
): OperationProgress {
  if (stream.isTTY) return barProgress(stream);
  return forPeople ? lineProgress(stream, now) : NO_PROGRESS;
}
