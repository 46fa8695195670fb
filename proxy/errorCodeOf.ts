/** What a log line says of an error: its stable `code` (E4Error, Node), else its name. Never its message's data. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  return error instanceof Error ? error.name : 'UNKNOWN';
}
