/**
 * Clients: a paged list (id order) searched by name prefix (`namePrefix`) or exact id, and the creation
 * form (keys that may change things only: Allowed): a generated key (shown once, with a copy button), an uploaded key, a password, or an Ed25519 public key;
 * beside it the claim of a factory device by its code (ClaimDeviceDialog).
 */
import { useState } from 'preact/hooks';
import { ApiError, api, call, type Schemas } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { BrokerCredentials } from '../components/BrokerCredentials.js';
import { ClaimDeviceDialog } from '../components/ClaimDeviceDialog.js';
import { CopyButton } from '../components/CopyButton.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { shortId, when } from '../format.js';
import { Link } from '../router.js';

const PAGE = 25;
const CLIENT_ID = /^[0-9a-fA-F]{32}$/;

/**
 * A page of the clients whose name starts with `search` (in id order: a page may be short, even empty, while its
 * cursor says more follow); on the first page, the client of that id too when the search is one.
 */
async function findClients(search: string, cursor: string | undefined) {
  const page = await call(
    api.GET('/v1/clients', {
      params: {
        query: { limit: PAGE, ...(search ? { namePrefix: search } : {}), ...(cursor ? { cursor } : {}) },
      },
    }),
  );
  if (search === '' || cursor !== undefined || !CLIENT_ID.test(search)) return page;
  const clientId = search.toLowerCase();
  if (page.items.some((client) => client.id === clientId)) return page;
  try {
    const byId = await call(api.GET('/v1/clients/{clientId}', { params: { path: { clientId } } }));
    return { ...page, items: [byId, ...page.items] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return page;
    throw error;
  }
}

export function ClientsPage() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const pages = usePages();
  const clients = useLoad(() => findClients(query, pages.cursor), [query, pages.cursor]);
  const [claiming, setClaiming] = useState(false);
  return (
    <>
      <h1>Clients</h1>
      <search>
        <form
          class="search"
          onSubmit={(event) => {
            event.preventDefault();
            pages.reset();
            setQuery(search.trim());
          }}
        >
          <label for="client-search">Find clients by name prefix or id</label>
          <input id="client-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
      </search>
      <ErrorNote error={clients.error} />
      {clients.data && (
        <ClientTable
          clients={clients.data.items}
          empty={
            !query
              ? 'None yet.'
              : clients.data.cursor
                ? `None on this page: more clients may start with ${query} on the next.`
                : `No client whose name starts with ${query}, or with that id.`
          }
        />
      )}
      <Pager pages={pages} nextCursor={clients.data?.cursor} label="Client pages" />
      <Allowed>
        <CreateClient onCreated={clients.reload} />
        <div class="actions">
          <button type="button" onClick={() => setClaiming(true)}>
            Claim a factory device
          </button>
        </div>
        {claiming && <ClaimDeviceDialog onClaimed={clients.reload} onClose={() => setClaiming(false)} />}
      </Allowed>
    </>
  );
}

function ClientTable(props: { clients: Schemas['Client'][]; empty: string }) {
  if (props.clients.length === 0) return <p>{props.empty}</p>;
  return (
    <Table label="Clients table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Id</th>
          <th scope="col">Mode</th>
          <th scope="col">Key version</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {props.clients.map((client) => (
          <tr key={client.id}>
            <td>
              <Link href={`/clients/${client.id}`}>{client.name}</Link>
            </td>
            <td title={client.id}>
              <code>{shortId(client.id)}</code>
            </td>
            <td>{client.mode}</td>
            <td>v{client.keyVersion}</td>
            <td>{when(client.lastSeenAt)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

type KeySource = 'generate' | 'key' | 'password' | 'publicKey';

const SOURCES: { value: KeySource; label: string }[] = [
  { value: 'generate', label: 'Generate a key (shown once)' },
  { value: 'key', label: 'Upload a key (base64, 32 bytes)' },
  { value: 'password', label: 'Derive the key from a password' },
  { value: 'publicKey', label: 'Public-key client (Ed25519 public key)' },
];

function CreateClient(props: { onCreated(): void }) {
  const [name, setName] = useState('');
  const [source, setSource] = useState<KeySource>('generate');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{
    client: Schemas['Client'];
    key?: string;
    mqtt?: Schemas['MqttCredentials'];
  }>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    setBusy(true);
    const body =
      source === 'generate'
        ? { name, generateKey: true as const }
        : source === 'key'
          ? { name, key: secret.trim() }
          : source === 'password'
            ? { name, password: secret }
            : { name, mode: 'pubkey' as const, publicKey: secret.trim() };
    try {
      const answer = await call(api.POST('/v1/clients', { body }));
      setCreated(answer);
      setName('');
      setSecret('');
      props.onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="create-client-title" class="panel">
      <h2 id="create-client-title">New client</h2>
      <form onSubmit={submit}>
        <label for="client-name">Name</label>
        <input id="client-name" required maxLength={255} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <fieldset>
          <legend>Its key</legend>
          {SOURCES.map((option) => (
            <label key={option.value} class="choice">
              <input
                type="radio"
                name="key-source"
                value={option.value}
                checked={source === option.value}
                onChange={() => setSource(option.value)}
              />
              {option.label}
            </label>
          ))}
        </fieldset>
        {source !== 'generate' && (
          <>
            <label for="client-secret">
              {source === 'key' ? 'Key (base64)' : source === 'password' ? 'Password' : 'Public key (base64)'}
            </label>
            {source === 'password' ? (
              <input
                id="client-secret"
                type="password"
                autoComplete="new-password"
                required
                value={secret}
                onInput={(e) => setSecret(e.currentTarget.value)}
              />
            ) : (
              <input
                id="client-secret"
                type="text"
                autoComplete="off"
                spellcheck={false}
                required
                value={secret}
                onInput={(e) => setSecret(e.currentTarget.value)}
              />
            )}
          </>
        )}
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create client'}
        </button>
      </form>
      {created && (
        <div class="created" role="status">
          <p>
            Created <Link href={`/clients/${created.client.id}`}>{created.client.name}</Link>.
          </p>
          {created.key && (
            <p>
              Its key, shown this once: <code data-testid="generated-key">{created.key}</code>{' '}
              <CopyButton value={created.key} label="Copy the key" />
            </p>
          )}
          {created.mqtt && <BrokerCredentials mqtt={created.mqtt} />}
        </div>
      )}
    </section>
  );
}
