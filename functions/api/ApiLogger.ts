/** One line of the API's log: facts about a failure, never key bytes, tokens or request bodies. */
export interface ApiLogEntry {
  /** `warn`: a failure the request went on without (its request rate not counted). */
  readonly level: 'error' | 'warn';
  readonly message: string;
  /** The status answered (none for a warning). */
  readonly status?: number;
  /** The Lambda request id, when there is one. */
  readonly requestId?: string;
  /** The tenant and API key id of the caller, once authenticated. */
  readonly tenantId?: string;
  readonly keyId?: string;
  readonly error: { readonly name: string; readonly code?: string; readonly message: string };
}

export type ApiLogger = (entry: ApiLogEntry) => void;

/** The default logger: one JSON line on stderr (CloudWatch in Lambda). */
export const consoleApiLogger: ApiLogger = (entry) => {
  console.error(JSON.stringify(entry));
};
