/**
 * Creates the clients of an import's rows through `POST /v1/clients/batch`: the rows cut into batches (batchesOf.ts:
 * up to the API's 100 items, 10 with a password), `concurrency` batches in flight, each item's result mapped back to
 * its line (sendClientBatch.ts tries again what the C2 was too busy for), then each created or existing client put on
 * its topics (created when missing). Resumable: the batch compares keys, so a client that exists with the line's key
 * (or password, or public key) answers `exists` and counts as existing, as an earlier run left it; one of that name
 * with another key or mode (or another tenant's E4 id) fails its line with the API's message, naming it. Links are
 * PUTs, which may be repeated (and are, after a backoff, when the C2 answers CONCURRENT_UPDATE: another link to the
 * same topic was being made). Refusals fail their lines; an authentication or server failure (exit 3 or 5) stops the
 * import (what was done stays done: run it again). A line whose client was created but a link of which failed counts
 * as created and as failed: run again, it links. A generated key is written to its file (GeneratedKeys.ts) before the
 * batch that sends it, and taken back when its client turns out to be held with another key.
 */
import { bytesToHex, hashIdAlias, hashTopic, toBase64 } from '../../shared/e4/index.js';
import type { Api } from '../api/Api.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from './backoff.js';
import { batchesOf } from './batchesOf.js';
import type { ImportRow } from './decodeImportRow.js';
import { forEachConcurrently } from './forEachConcurrently.js';
import type { GeneratedKeys } from './GeneratedKeys.js';
import { type BatchItemBody, sendClientBatch } from './sendClientBatch.js';

export interface ImportCounts {
  /** Clients created. */
  created: number;
  /** Clients that existed already with the line's key (skipped). */
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
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** The file of generated keys (rows without key material). */
  readonly keys?: GeneratedKeys;
  /** Called as each line is done, whatever its outcome. */
  readonly onLineDone?: () => void;
  /** How a busy C2 is tried again (sendClientBatch.ts). */
  readonly retry?: RetryPolicy;
}

/** The API's bounds of one batch (`POST /v1/clients/batch`). */
export const BATCH_BOUNDS = { size: 100, passwords: 10 } as const;
/** Lines of a batch linked at once (links to one topic are serialised by the C2: CONCURRENT_UPDATE, tried again). */
const LINK_CONCURRENCY = 4;

const isConflict = (error: unknown) => error instanceof CliError && error.code === 'CONCURRENT_UPDATE';

const STOPPING: ReadonlySet<number> = new Set([ExitCode.Auth, ExitCode.Server]);

const reasonOf = (error: unknown): string =>
  error instanceof CliError
    ? `${error.code ? `${error.code}: ` : ''}${error.message}`
    : `unexpected error: ${(error as Error).message ?? String(error)}`;

function createBody(row: ImportRow, keys: GeneratedKeys | undefined): BatchItemBody {
  const { name, material } = row;
  switch (material.kind) {
    case 'key':
      return { name, mode: 'symmetric', key: toBase64(material.key) };
    case 'password':
      return { name, mode: 'symmetric', password: material.password };
    case 'pubkey':
      return { name, mode: 'pubkey', publicKey: toBase64(material.publicKey) };
    case 'generate': {
      if (!keys) throw new CliError('no file for generated keys', ExitCode.Usage);
      return { name, mode: 'symmetric', key: toBase64(keys.keyFor(name).key) };
    }
  }
}

type Line = { readonly line: number; readonly row: ImportRow };

export async function importClients(api: Api, rows: readonly Line[], options: ImportOptions): Promise<ImportResult> {
  const counts: ImportCounts = { created: 0, existing: 0, linked: 0, topicsCreated: 0 };
  const failures: RowFailure[] = [];
  const topics = new Map<string, Promise<void>>();
  let stoppedBy: CliError | undefined;
  const stopped = () => stoppedBy !== undefined;

  /** Records a stopping failure (true), or answers false for one that fails its line only. */
  const stops = (error: unknown): boolean => {
    if (!(error instanceof CliError && STOPPING.has(error.exitCode))) return false;
    stoppedBy ??= error;
    return true;
  };

  const fail = ({ line }: Line, reason: string) => {
    failures.push({ line, reason });
    options.onLineDone?.();
  };

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

  const linkRow = async (line: Line): Promise<void> => {
    const clientId = bytesToHex(hashIdAlias(line.row.name));
    let step = '';
    try {
      for (const topic of line.row.topics) {
        step = `topic ${JSON.stringify(topic)}`;
        await ensureTopic(topic);
        const topicHash = bytesToHex(hashTopic(topic));
        await withRetries(
          () =>
            api.call((client) =>
              client.PUT('/v1/topics/{topicHash}/clients/{clientId}', { params: { path: { topicHash, clientId } } }),
            ),
          isConflict,
          options.retry ?? DEFAULT_RETRY,
        );
        counts.linked++;
      }
    } catch (error) {
      if (!stops(error)) fail(line, `${step}: ${reasonOf(error)}`);
      return;
    }
    options.onLineDone?.();
  };

  const importBatch = async (batch: readonly Line[]): Promise<void> => {
    // Generated keys are written to their file here, before the request that sends them.
    const bodies = batch.map(({ row }) => createBody(row, options.keys));
    let outcomes: Awaited<ReturnType<typeof sendClientBatch>>;
    try {
      outcomes = await sendClientBatch(api, bodies, options.retry ?? DEFAULT_RETRY);
    } catch (error) {
      if (!stops(error)) for (const line of batch) fail(line, reasonOf(error));
      return;
    }
    const enrolled: Line[] = [];
    for (const line of batch) {
      const outcome = outcomes.get(line.row.name);
      if (outcome === undefined) fail(line, "no result for this client in the C2's answer: run the import again");
      else if (outcome.status === 'failed') {
        if (outcome.code === 'ALREADY_EXISTS' && line.row.material.kind === 'generate')
          options.keys?.forget(line.row.name);
        fail(line, `${outcome.code}: ${outcome.message}`);
      } else {
        // exists_unverified answers an item without a key; the import always sends one (a generated key too).
        if (outcome.status === 'created') counts.created++;
        else counts.existing++;
        enrolled.push(line);
      }
    }
    await forEachConcurrently(enrolled, LINK_CONCURRENCY, linkRow, stopped);
  };

  const batches = batchesOf(rows, ({ row }) => row.material.kind === 'password', BATCH_BOUNDS);
  await forEachConcurrently(batches, options.concurrency, importBatch, stopped);
  return { counts, failures, ...(stoppedBy ? { stoppedBy } : {}) };
}
