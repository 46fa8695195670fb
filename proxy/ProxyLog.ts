/**
 * The proxy's structured log: one JSON object per line (`time`, `level`, `event`, then the fields), on stderr by
 * default. Callers pass topics, client ids, counts and error codes; never payloads, keys or passwords.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | Record<string, number>>;

export class ProxyLog {
  constructor(readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}

  info(event: string, fields: LogFields = {}): void {
    this.#log('info', event, fields);
  }

  warn(event: string, fields: LogFields = {}): void {
    this.#log('warn', event, fields);
  }

  error(event: string, fields: LogFields = {}): void {
    this.#log('error', event, fields);
  }

  #log(level: LogLevel, event: string, fields: LogFields): void {
    this.write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  }
}
