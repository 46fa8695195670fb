/**
 * Creates the clients of an import's rows, `concurrency` at a time, and puts each on its topics (created when
 * missing). Resumable: a client that exists already (409 ALREADY_EXISTS, then found by its id in the tenant) counts as
 * existing and is not touched (the CLI cannot compare keys: an existing client keeps the key it has, whatever the
 * line gives), and links are PUTs, which may be repeated. A 409 for a name the tenant does not hold (another tenant's
 * E4 id) or an existing client of the other mode fails the line. Refusals (4xx) fail their line; an authentication
 * or server failure (exit 3 or 5) stops the import (what was done stays done: run it again). A line whose client
 * was created but a link of which failed counts as created and as failed: run again, it links.
 */
import { bytesToHex, hashIdAlias, hashTopic, toBase64 } from '../../shared/e4/index.js';
import type { Api } from '../api/Api.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import type { ImportRow } from './decodeImportRow.js';
import { forEachConcurrently } from './forEachConcurrently.js';
import type { GeneratedKeys } from './GeneratedKeys.js';

export interface ImportCounts {
  /** Clients created. */
  created: number;
  /** Clients that existed already (skipped). */
  existing: number;
  /** Links made (or made again). */
  linked: number;
  /** Topics created. */
  topicsCreated: number;
}

export interface RowFailure {
  readonly line: number;
  readonly reason: string;
}

export interface ImportResult {
  readonly counts: ImportCounts;
  readonly failures: readonly RowFailure[];
  /** The failure that stopped the import, if one did. */
  readonly stoppedBy?: CliError;
}

export interface ImportOptions {
  readonly concurrency: number;
  /** The file of generated keys (rows without key material). */
  readonly keys?: GeneratedKeys;
  /** Called as each line is done, whatever its outcome. */
  readonly onLineDone?: () => void;
}

const STOPPING: ReadonlySet<number> = new Set([ExitCode.Auth, ExitCode.Server]);

const reasonOf = (error: unknown): string =>
  error instanceof CliError
    ? `${error.code ? `${error.code}: ` : ''}${error.message}`
    : `unexpected error: ${(error as Error).message ?? String(error)}`;

function createBody(row: ImportRow, keys: GeneratedKeys | undefined): { body: CreateBody; freshKey: boolean } {
  const { name, material } = row;
  switch (material.kind) {
    case 'key':
      return { body: { name, mode: 'symmetric', key: toBase64(material.key) }, freshKey: false };
    case 'password':
      return { body: { name, mode: 'symmetric', password: material.password }, freshKey: false };
    case 'pubkey':
      return { body: { name, mode: 'pubkey', publicKey: toBase64(material.publicKey) }, freshKey: false };
    case 'generate': {
      if (!keys) throw new CliError('no file for generated keys', ExitCode.Usage);
      const { key, reused } = keys.keyFor(name);
      return { body: { name, mode: 'symmetric', key: toBase64(key) }, freshKey: !reused };
    }
  }
}

type CreateBody = {
  name: string;
  mode: 'symmetric' | 'pubkey';
  key?: string;
  password?: string;
  publicKey?: string;
};

export async function importClients(
  api: Api,
  rows: readonly { line: number; row: ImportRow }[],
  options: ImportOptions,
): Promise<ImportResult> {
  const counts: ImportCounts = { created: 0, existing: 0, linked: 0, topicsCreated: 0 };
  const failures: RowFailure[] = [];
  const topics = new Map<string, Promise<void>>();
  let stoppedBy: CliError | undefined;

  /** Creates the topic once per import (concurrent rows wait for the same request); an existing one is fine. */
  const ensureTopic = (topic: string): Promise<void> => {
    let created = topics.get(topic);
    if (!created) {
      created = api
        .call((client) => client.POST('/v1/topics', { body: { topic } }))
        .then(
          () => {
            counts.topicsCreated++;
          },
          (error: unknown) => {
            if (!(error instanceof CliError && error.code === 'ALREADY_EXISTS')) throw error;
          },
        );
      topics.set(topic, created);
    }
    return created;
  };

  const createClient = async (row: ImportRow, clientId: string): Promise<void> => {
    const { body, freshKey } = createBody(row, options.keys);
    try {
      await api.call((client) => client.POST('/v1/clients', { body }));
      counts.created++;
    } catch (error) {
      if (!(error instanceof CliError && error.code === 'ALREADY_EXISTS')) throw error;
      const existing = await api
        .call((client) => client.GET('/v1/clients/{clientId}', { params: { path: { clientId } } }))
        .catch((lookup: unknown) => {
          // Not the tenant's: the 409 stands (the name is not available).
          if (lookup instanceof CliError && lookup.exitCode === ExitCode.NotFound) throw error;
          throw lookup;
        });
      if (existing.mode !== body.mode) {
        throw new CliError(`client exists already, in ${existing.mode} mode`, ExitCode.Refused, 'ALREADY_EXISTS');
      }
      if (freshKey) options.keys?.forget(row.name);
      counts.existing++;
    }
  };

  const importRow = async ({ line, row }: { line: number; row: ImportRow }): Promise<void> => {
    const clientId = bytesToHex(hashIdAlias(row.name));
    let step = 'create';
    try {
      await createClient(row, clientId);
      for (const topic of row.topics) {
        step = `topic ${JSON.stringify(topic)}`;
        await ensureTopic(topic);
        const topicHash = bytesToHex(hashTopic(topic));
        await api.call((client) =>
          client.PUT('/v1/topics/{topicHash}/clients/{clientId}', { params: { path: { topicHash, clientId } } }),
        );
        counts.linked++;
      }
    } catch (error) {
      if (error instanceof CliError && STOPPING.has(error.exitCode)) {
        stoppedBy ??= error;
        return;
      }
      failures.push({ line, reason: step === 'create' ? reasonOf(error) : `${step}: ${reasonOf(error)}` });
    }
    options.onLineDone?.();
  };

  await forEachConcurrently(rows, options.concurrency, importRow, () => stoppedBy !== undefined);
  return { counts, failures, ...(stoppedBy ? { stoppedBy } : {}) };
}
