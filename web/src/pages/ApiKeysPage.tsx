/**
 * API keys of the tenant (admin keys only: the API refuses the others): the paged list with scope, status and times,
 * creation (the token shown this once, with a copy button), rotation (a new secret, shown once; the old one stops
 * working) and revocation, the last two behind dialogs. Revoking the key signed in signs out; rotating it goes on
 * with the new token. A token shown stays only until "I have copied it", the key's revocation or leaving the page.
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyButton } from '../components/CopyButton.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { session } from '../session.js';

type Scope = Schemas['ApiKey']['scope'];
const SCOPES: readonly { scope: Scope; what: string }[] = [
  { scope: 'operator', what: 'everything but API keys' },
  { scope: 'read-only', what: 'reads only (not API keys)' },
  { scope: 'admin', what: 'everything of the tenant' },
  { scope: 'enrol', what: 'device self-enrolment only' },
];

type Pending = { kind: 'rotate' | 'revoke'; key: Schemas['ApiKey'] };

export function ApiKeysPage() {
  const pages = usePages();
  const keys = useLoad(
    () =>
      call(
        api.GET('/v1/keys/api', {
          params: { query: { limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [pages.cursor],
  );
  const [pending, setPending] = useState<Pending>();
  const [shown, setShown] = useState<Schemas['CreatedApiKey']>();
  const own = session.info()?.keyId;

  const run = async ({ kind, key }: Pending) => {
    const path = { params: { path: { keyId: key.keyId } } };
    if (kind === 'revoke') {
      await call(api.DELETE('/v1/keys/api/{keyId}', path));
      setShown((current) => (current?.keyId === key.keyId ? undefined : current));
      if (key.keyId === own) session.signOut();
    } else {
      const rotated = await call(api.POST('/v1/keys/api/{keyId}/rotate', path));
      if (key.keyId === own) session.signIn(rotated.token, rotated.scope);
      setShown(rotated);
    }
    keys.reload();
  };

  return (
    <>
      <h1>API keys</h1>
      <ErrorNote error={keys.error} />
      {keys.data && (
        <Table label="API keys table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scope</th>
              <th scope="col">Status</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((key) => (
              <tr key={key.keyId} data-key-id={key.keyId}>
                <td>
                  {key.name}
                  {key.keyId === own ? ' (signed in)' : ''}
                </td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scope}</td>
                <td>
                  <span class={`status status-${key.status === 'active' ? 'succeeded' : 'failed'}`}>{key.status}</span>
                </td>
                <td>{when(key.lastUsedAt)}</td>
                <td>{key.expiresAt ? when(key.expiresAt) : 'never'}</td>
                <td>
                  {key.status === 'active' && (
                    <span class="row-actions">
                      <button
                        type="button"
                        aria-label={`Rotate ${key.name}`}
                        onClick={() => setPending({ kind: 'rotate', key })}
                      >
                        Rotate
                      </button>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke ${key.name}`}
                        onClick={() => setPending({ kind: 'revoke', key })}
                      >
                        Revoke
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <Pager pages={pages} nextCursor={keys.data?.cursor} label="API key pages" />
      {pending && (
        <ConfirmDialog
          title={pending.kind === 'revoke' ? `Revoke ${pending.key.name}?` : `Rotate ${pending.key.name}?`}
          confirmLabel={pending.kind === 'revoke' ? 'Revoke' : 'Rotate'}
          danger={pending.kind === 'revoke'}
          onConfirm={() => run(pending)}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending.kind === 'revoke'
              ? 'Every request with this key is refused from now on; it stays listed, as revoked. It cannot be undone.'
              : 'The key gets a new secret, shown once; the current one is refused from now on (same id, scope and expiry).'}
            {pending.key.keyId === own
              ? pending.kind === 'revoke'
                ? ' It is the key you signed in with: you will be signed out.'
                : ' It is the key you signed in with: this tab goes on with the new secret.'
              : ''}
          </p>
        </ConfirmDialog>
      )}
      {shown && <ShownOnce created={shown} onDone={() => setShown(undefined)} />}
      <CreateApiKey
        onCreated={(created) => {
          setShown(created);
          keys.reload();
        }}
      />
    </>
  );
}

function ShownOnce(props: { created: Schemas['CreatedApiKey']; onDone(): void }) {
  const { created } = props;
  return (
    <section class="created" role="status" aria-labelledby="shown-title">
      <h2 id="shown-title">Key {created.name}</h2>
      <p>
        Its token, shown this once (only a hash is kept):{' '}
        <code class="secret" data-testid="api-token">
          {created.token}
        </code>{' '}
        <CopyButton value={created.token} label="Copy the token" />
      </p>
      <button type="button" onClick={props.onDone}>
        I have copied it
      </button>
    </section>
  );
}

function CreateApiKey(props: { onCreated(created: Schemas['CreatedApiKey']): void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('operator');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const expiresAt = expires ? new Date(expires).toISOString() : undefined;
      const created = await call(
        api.POST('/v1/keys/api', { body: { name: name.trim(), scope, ...(expiresAt ? { expiresAt } : {}) } }),
      );
      setName('');
      setExpires('');
      props.onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="create-key-title" class="panel">
      <h2 id="create-key-title">New API key</h2>
      <form onSubmit={submit}>
        <label for="key-name">Key name</label>
        <input id="key-name" required maxLength={255} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="key-scope">Scope</label>
        <select id="key-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as Scope)}>
          {SCOPES.map((s) => (
            <option key={s.scope} value={s.scope}>
              {s.scope}: {s.what}
            </option>
          ))}
        </select>
        <label for="key-expires">Expires (optional)</label>
        <input
          id="key-expires"
          type="datetime-local"
          value={expires}
          onInput={(e) => setExpires(e.currentTarget.value)}
        />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
    </section>
  );
}
