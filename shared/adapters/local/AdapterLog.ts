/** Where local mode's adapters report what an operator should see (local mode's logger fits). Never payloads or keys. */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

export interface AdapterLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
