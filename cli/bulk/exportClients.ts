/**
 * The tenant's clients with their topics, for `clients export`: every page of clients, then each client's topics
 * (every page), `concurrency` clients at a time. Never a key: the API has none to give.
 */
import type { Api } from '../api/Api.js';
import { listAll } from '../api/listAll.js';
import { forEachConcurrently } from './forEachConcurrently.js';

export interface ExportedClient {
  name: string;
  id: string;
  mode: 'symmetric' | 'pubkey';
  keyVersion: number;
  topics: string[];
}

export async function exportClients(api: Api, concurrency: number): Promise<ExportedClient[]> {
  const clients = await listAll({ limit: 0, all: true }, (query) =>
    api.call((client) => client.GET('/v1/clients', { params: { query } })),
  );
  const exported: ExportedClient[] = clients.map(({ name, id, mode, keyVersion }) => ({
    name,
    id,
    mode,
    keyVersion,
    topics: [],
  }));
  await forEachConcurrently(exported, concurrency, async (client) => {
    const topics = await listAll({ limit: 0, all: true }, (query) =>
      api.call(
        (api) => api.GET('/v1/clients/{clientId}/topics', { params: { path: { clientId: client.id }, query } }),
        { notFound: `no client ${client.id}` },
      ),
    );
    client.topics = topics.map((topic) => topic.topic);
  });
  return exported;
}
