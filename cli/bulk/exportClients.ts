/**
 * The tenant's clients with their topics, for `clients export`: every page of clients, every page of topics, then
 * each topic's clients (every page), `concurrency` topics at a time. Walking topics rather than clients costs a
 * request per topic (and per 100 of its clients) instead of one per client: far fewer for a fleet of devices sharing
 * topics. Not a snapshot: a change made meanwhile may show or not. Never a key: the API has none to give.
 */
import type { Api } from '../api/Api.js';
import { listAll } from '../api/listAll.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { forEachConcurrently } from './forEachConcurrently.js';

export interface ExportedClient {
  name: string;
  id: string;
  mode: 'symmetric' | 'pubkey';
  keyVersion: number;
  /** Sorted. */
  topics: string[];
}

const EVERY = { limit: 0, all: true };

export async function exportClients(api: Api, concurrency: number): Promise<ExportedClient[]> {
  const clients = await listAll(EVERY, (query) =>
    api.call((client) => client.GET('/v1/clients', { params: { query } })),
  );
  const topics = await listAll(EVERY, (query) => api.call((client) => client.GET('/v1/topics', { params: { query } })));
  const byId = new Map<string, ExportedClient>(
    clients.map(({ name, id, mode, keyVersion }) => [id, { name, id, mode, keyVersion, topics: [] }]),
  );
  await forEachConcurrently(topics, concurrency, async ({ topic, hash }) => {
    const members = await listAll(EVERY, (query) =>
      api
        .call((client) =>
          client.GET('/v1/topics/{topicHash}/clients', { params: { path: { topicHash: hash }, query } }),
        )
        // A topic deleted meanwhile has no clients.
        .catch((error: unknown) => {
          if (error instanceof CliError && error.exitCode === ExitCode.NotFound) return { items: [] };
          throw error;
        }),
    );
    for (const member of members) byId.get(member.id)?.topics.push(topic);
  });
  const exported = [...byId.values()];
  for (const client of exported) client.topics.sort();
  return exported;
}
