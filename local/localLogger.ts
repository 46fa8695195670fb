/**
 * Local mode's log: one line per event, JSON (for a process manager or a log shipper) or pretty (for a person at a
 * terminal), at or above a level. Callers pass a message and flat facts (method, path, counts, names, ids): never key
 * bytes, tokens, headers or bodies, which is why nothing else reaches the stream.
 *
 * A tiny logger rather than Powertools Logger (which the Lambda functions use): local mode needs pretty lines on a
 * terminal and a stream tests can read, and none of the Lambda context Powertools adds.
 */
import type { Writable } from 'node:stream';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface LocalLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LocalLoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Default process.stderr (stdout carries local mode's banner). */
  readonly stream?: Pick<Writable, 'write'>;
}

/** Logs nothing (the default of startLocal, for tests and embedders). */
export const silentLogger: LocalLogger = createLocalLogger({ level: 'silent', format: 'json' });

export function createLocalLogger(options: LocalLoggerOptions): LocalLogger {
  const stream = options.stream ?? process.stderr;
  const threshold = LOG_LEVELS.indexOf(options.level);
  const line = options.format === 'json' ? jsonLine : prettyLine;
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: LogFields = {}): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      stream.write(`${line(new Date(), level, message, fields)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function jsonLine(time: Date, level: string, message: string, fields: LogFields): string {
  return JSON.stringify({ time: time.toISOString(), level, msg: message, ...fields });
}

function prettyLine(time: Date, level: string, message: string, fields: LogFields): string {
  const facts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(
      ([name, value]) => `${name}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : value}`,
    );
  return [time.toISOString().slice(11, 23), level.toUpperCase().padEnd(5), message, ...facts].join(' ');
}
