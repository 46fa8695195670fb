/**
 * One topic: its key version, its clients (paged), linking a client by name, unlinking (re-keyed for the others), the
 * rotation of its key with live progress, and its deletion, the last three behind dialogs that say what will happen.
 */
import { useState } from 'preact/hooks';
import { api, call } from '../api/api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationProgress } from '../components/OperationProgress.js';
import { Pager, usePages } from '../components/Pager.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link, navigate } from '../router.js';

type Pending = { kind: 'rotate' } | { kind: 'delete' } | { kind: 'unlink'; clientId: string; name: string };

export function TopicPage(props: { topicHash: string }) {
  const { topicHash } = props;
  const path = { params: { path: { topicHash } } };
  const topic = useLoad(() => call(api.GET('/v1/topics/{topicHash}', path)), [topicHash]);
  const pages = usePages();
  const clients = useLoad(
    () =>
      call(
        api.GET('/v1/topics/{topicHash}/clients', {
          params: { path: { topicHash }, query: { limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [topicHash, pages.cursor],
  );
  const [pending, setPending] = useState<Pending>();
  const [operationId, setOperationId] = useState<string>();
  const [deleted, setDeleted] = useState(false);

  const run = async (chosen: Pending) => {
    if (chosen.kind === 'rotate') {
      setOperationId((await call(api.POST('/v1/topics/{topicHash}/rotate', path))).operation.id);
    } else if (chosen.kind === 'delete') {
      setOperationId((await call(api.DELETE('/v1/topics/{topicHash}', path))).operation.id);
      setDeleted(true);
    } else {
      const answer = await call(
        api.DELETE('/v1/topics/{topicHash}/clients/{clientId}', {
          params: { path: { topicHash, clientId: chosen.clientId } },
        }),
      );
      if (answer && 'operation' in answer && answer.operation) setOperationId(answer.operation.id);
      clients.reload();
    }
  };

  const refresh = () => {
    if (deleted) navigate('/topics');
    else {
      topic.reload();
      clients.reload();
    }
  };

  if (!topic.data) return <ErrorNote error={topic.error} />;
  const t = topic.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/topics">Topics</Link>
      </p>
      <h1>{t.topic}</h1>
      <dl class="facts">
        <dt>Hash</dt>
        <dd>
          <code>{t.hash}</code>
        </dd>
        <dt>Key version</dt>
        <dd data-testid="key-version">v{t.keyVersion}</dd>
        <dt>Key since</dt>
        <dd>{when(t.updatedAt)}</dd>
        <dt>Clients</dt>
        <dd>{t.clientCount}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" disabled={deleted} onClick={() => setPending({ kind: 'rotate' })}>
          Rotate the key
        </button>
        <button type="button" class="danger" disabled={deleted} onClick={() => setPending({ kind: 'delete' })}>
          Delete
        </button>
      </div>
      {pending && (
        <ConfirmDialog
          title={
            pending.kind === 'rotate'
              ? 'Rotate the key of this topic?'
              : pending.kind === 'delete'
                ? 'Delete this topic?'
                : `Take ${pending.name} off this topic?`
          }
          confirmLabel={pending.kind === 'rotate' ? 'Rotate' : pending.kind === 'delete' ? 'Delete' : 'Unlink'}
          danger={pending.kind !== 'rotate'}
          onConfirm={() => run(pending)}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending.kind === 'rotate'
              ? `A new key (v${t.keyVersion + 1}) is made and sent to the ${t.clientCount} clients on the topic; ` +
                'devices keep the previous key an hour, so messages in flight still open.'
              : pending.kind === 'delete'
                ? `Every device on the topic (${t.clientCount}) is told to forget its key; the links, the topic and ` +
                  'the policies naming it are removed. It cannot be undone.'
                : 'The topic is re-keyed for the clients that stay (the removed device never gets the new key), then ' +
                  'the device is told to forget the topic.'}
          </p>
        </ConfirmDialog>
      )}
      {operationId && (
        <section aria-labelledby="started-title">
          <h2 id="started-title">Started</h2>
          <OperationProgress key={operationId} operationId={operationId} onFinished={refresh} />
        </section>
      )}
      {!deleted && (
        <section aria-labelledby="topic-clients-title">
          <h2 id="topic-clients-title">Clients</h2>
          <ErrorNote error={clients.error} />
          {clients.data?.items.length === 0 && <p>No client yet: link one below.</p>}
          {clients.data && clients.data.items.length > 0 && (
            <ul class="rows">
              {clients.data.items.map((client) => (
                <li key={client.id}>
                  <Link href={`/clients/${client.id}`}>{client.name}</Link>
                  <button
                    type="button"
                    onClick={() => setPending({ kind: 'unlink', clientId: client.id, name: client.name })}
                    aria-label={`Unlink ${client.name}`}
                  >
                    Unlink
                  </button>
                </li>
              ))}
            </ul>
          )}
          <Pager pages={pages} nextCursor={clients.data?.cursor} label="Client pages" />
          <LinkClient
            topicHash={topicHash}
            onLinked={() => {
              clients.reload();
              topic.reload();
            }}
          />
        </section>
      )}
    </>
  );
}

function LinkClient(props: { topicHash: string; onLinked(): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setDone(undefined);
    setBusy(true);
    try {
      const found = await call(api.GET('/v1/clients', { params: { query: { name: name.trim() } } }));
      const client = found.items[0];
      if (!client) throw new Error(`No client named ${name.trim()}.`);
      await call(
        api.PUT('/v1/topics/{topicHash}/clients/{clientId}', {
          params: { path: { topicHash: props.topicHash, clientId: client.id } },
        }),
      );
      setDone(`${client.name} is on the topic: its device was sent the key.`);
      setName('');
      props.onLinked();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} class="inline">
      <label for="link-client">Link a client (its name)</label>
      <input id="link-client" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>
        {busy ? 'Linking…' : 'Link'}
      </button>
      <ErrorNote error={error} />
      {done && <p role="status">{done}</p>}
    </form>
  );
}
