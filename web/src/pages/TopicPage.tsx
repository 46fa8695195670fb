/**
 * One topic: its key version and the rotation under way (until every device confirmed its key), its clients (paged),
 * linking clients by name in bulk, unlinking one or the selected (re-keyed for the others), the rotation of its key
 * with live progress, and its deletion, the last three behind dialogs that say what will happen. The changes (and the
 * selection) only for keys that may make them.
 */
import { useState } from 'preact/hooks';
import { api, call } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { BulkLinkForm } from '../components/BulkLinkForm.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationProgress } from '../components/OperationProgress.js';
import { Pager, usePages } from '../components/Pager.js';
import { RotationUnderWay } from '../components/RotationUnderWay.js';
import { type Unlinked, unlinkMany } from '../components/unlinkMany.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link, navigate } from '../router.js';
import { session } from '../session.js';

type Pending =
  | { kind: 'rotate' }
  | { kind: 'delete' }
  | { kind: 'unlink'; clientId: string; name: string }
  | { kind: 'unlink-many'; clients: { id: string; name: string }[] };

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
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [unlinked, setUnlinked] = useState<Unlinked[]>();
  const mayChange = session.may('operator');

  const run = async (chosen: Pending) => {
    if (chosen.kind === 'rotate') {
      setOperationId((await call(api.POST('/v1/topics/{topicHash}/rotate', path))).operation.id);
    } else if (chosen.kind === 'delete') {
      setOperationId((await call(api.DELETE('/v1/topics/{topicHash}', path))).operation.id);
      setDeleted(true);
    } else if (chosen.kind === 'unlink-many') {
      setUnlinked(await unlinkMany(chosen.clients.map((c) => ({ topicHash, clientId: c.id, label: c.name }))));
      setSelected(new Map());
      clients.reload();
      topic.reload();
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
      <Allowed>
        <div class="actions">
          <button type="button" class="primary" disabled={deleted} onClick={() => setPending({ kind: 'rotate' })}>
            Rotate the key
          </button>
          <button type="button" class="danger" disabled={deleted} onClick={() => setPending({ kind: 'delete' })}>
            Delete
          </button>
        </div>
      </Allowed>
      {pending && (
        <ConfirmDialog
          title={
            pending.kind === 'rotate'
              ? 'Rotate the key of this topic?'
              : pending.kind === 'delete'
                ? 'Delete this topic?'
                : pending.kind === 'unlink'
                  ? `Take ${pending.name} off this topic?`
                  : `Take ${pending.clients.length} clients off this topic?`
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
                : pending.kind === 'unlink'
                  ? 'The topic is re-keyed for the clients that stay (the removed device never gets the new key), then ' +
                    'the device is told to forget the topic.'
                  : `For each of ${pending.clients.map((c) => c.name).join(', ')} in turn: the topic is re-keyed for ` +
                    'the clients that stay, then the device is told to forget the topic.'}
          </p>
        </ConfirmDialog>
      )}
      {!deleted && (
        <RotationUnderWay key={`${operationId}:${t.keyVersion}`} topic={t.topic} keyVersion={t.keyVersion} />
      )}
      {operationId && (
        <section aria-labelledby="started-title">
          <h2 id="started-title">Started</h2>
          <OperationProgress key={operationId} operationId={operationId} onFinished={refresh} />
        </section>
      )}
      {unlinked && (
        <section aria-labelledby="unlinked-title">
          <h2 id="unlinked-title">Taken off</h2>
          {unlinked.map((u) =>
            u.operationId ? (
              <OperationProgress key={u.operationId} operationId={u.operationId} onFinished={refresh} />
            ) : (
              <p key={u.label} class={u.error ? 'error' : undefined}>
                {u.label}: {u.error ?? 'done'}
              </p>
            ),
          )}
        </section>
      )}
      {!deleted && (
        <section aria-labelledby="topic-clients-title">
          <h2 id="topic-clients-title">Clients</h2>
          <ErrorNote error={clients.error} />
          {clients.data?.items.length === 0 && <p>No client yet{mayChange ? ': link one below' : ''}.</p>}
          {clients.data && clients.data.items.length > 0 && (
            <ul class="rows">
              {clients.data.items.map((client) => (
                <li key={client.id}>
                  {mayChange && (
                    <input
                      type="checkbox"
                      aria-label={`Select ${client.name}`}
                      checked={selected.has(client.id)}
                      onChange={(e) => {
                        const next = new Map(selected);
                        if (e.currentTarget.checked) next.set(client.id, client.name);
                        else next.delete(client.id);
                        setSelected(next);
                      }}
                    />
                  )}
                  <Link href={`/clients/${client.id}`}>{client.name}</Link>
                  {mayChange && (
                    <button
                      type="button"
                      onClick={() => setPending({ kind: 'unlink', clientId: client.id, name: client.name })}
                      aria-label={`Unlink ${client.name}`}
                    >
                      Unlink
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {selected.size > 0 && (
            <div class="actions">
              <button
                type="button"
                class="danger"
                onClick={() =>
                  setPending({ kind: 'unlink-many', clients: [...selected].map(([id, name]) => ({ id, name })) })
                }
              >
                Take the {selected.size} selected off
              </button>
            </div>
          )}
          <Pager pages={pages} nextCursor={clients.data?.cursor} label="Client pages" />
          <Allowed>
            <BulkLinkForm
              side={{ topicHash }}
              onLinked={() => {
                clients.reload();
                topic.reload();
              }}
            />
          </Allowed>
        </section>
      )}
    </>
  );
}
