/**
 * One client: its key versions, last seen, topics (with the key version the device confirmed; put on more by name, or
 * the selected taken off, in bulk), operations, and its
 * actions (resync, new identity key, reset, delete), each behind a dialog that says what will happen; the operation an
 * action starts is followed live. The actions, the selection and the link form only for keys that may change things.
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { BulkLinkForm } from '../components/BulkLinkForm.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationProgress } from '../components/OperationProgress.js';
import { OperationsTable } from '../components/OperationsTable.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { type Unlinked, unlinkMany } from '../components/unlinkMany.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link, navigate } from '../router.js';
import { session } from '../session.js';

type Action = 'resync' | 'identity-key' | 'reset' | 'delete';

const ACTIONS: Record<Action, { label: string; title: string; danger: boolean; what: string }> = {
  resync: {
    label: 'Resync',
    title: 'Resync this device?',
    danger: false,
    what:
      'The device is sent the current key of each topic it has not confirmed holding (for a device offline longer than ' +
      'a command stays valid, or that lost its state). Nothing changes for the other devices.',
  },
  'identity-key': {
    label: 'New identity key',
    title: 'Give this device a new identity key?',
    danger: false,
    what:
      'A new identity key is sent to the device under its current one, and is in force once the broker took it; then ' +
      'its topic keys are sent again under the new key. A device that is offline keeps the old key until it is back.',
  },
  reset: {
    label: 'Reset',
    title: 'Reset this client?',
    danger: true,
    what:
      'The client is taken off every topic, each topic is re-keyed for the clients that stay, and the device is told ' +
      'to forget its topic keys. It stays enrolled with its identity key.',
  },
  delete: {
    label: 'Delete',
    title: 'Delete this client?',
    danger: true,
    what:
      'The client is taken off every topic, each topic is re-keyed for the clients that stay, the device is told to ' +
      'forget its topic keys, and the client is removed. It cannot be undone.',
  },
};

export function ClientPage(props: { clientId: string }) {
  const { clientId } = props;
  const client = useLoad(() => call(api.GET('/v1/clients/{clientId}', { params: { path: { clientId } } })), [clientId]);
  const [action, setAction] = useState<Action>();
  const [operationId, setOperationId] = useState<string>();
  const [deleted, setDeleted] = useState(false);

  const run = async (chosen: Action) => {
    const path = { params: { path: { clientId } } };
    const answer =
      chosen === 'resync'
        ? await call(api.POST('/v1/clients/{clientId}/resync', path))
        : chosen === 'identity-key'
          ? await call(api.POST('/v1/clients/{clientId}/identity-key', path))
          : chosen === 'reset'
            ? await call(api.POST('/v1/clients/{clientId}/reset', path))
            : await call(api.DELETE('/v1/clients/{clientId}', path));
    setOperationId(answer.operation.id);
    if (chosen === 'delete') setDeleted(true);
  };

  if (!client.data) return <ErrorNote error={client.error} />;
  const c = client.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/clients">Clients</Link>
      </p>
      <h1>{c.name}</h1>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{c.id}</code>
        </dd>
        <dt>Mode</dt>
        <dd>{c.mode}</dd>
        <dt>Identity key</dt>
        <dd>
          v{c.keyVersion}
          {c.pendingKeyVersion !== undefined && ` (v${c.pendingKeyVersion} pending)`}
          {c.rekeyOnReturn && <span data-testid="rekey-on-return"> · a new one is sent on its first connection</span>}
        </dd>
        <dt>Last seen</dt>
        <dd>{when(c.lastSeenAt)}</dd>
        <dt>Topics</dt>
        <dd>{c.topicCount}</dd>
        <dt>Created</dt>
        <dd>{when(c.createdAt)}</dd>
      </dl>
      <Allowed>
        <div class="actions">
          {(Object.keys(ACTIONS) as Action[]).map((key) => (
            <button
              key={key}
              type="button"
              class={ACTIONS[key].danger ? 'danger' : undefined}
              disabled={deleted}
              onClick={() => setAction(key)}
            >
              {ACTIONS[key].label}
            </button>
          ))}
        </div>
      </Allowed>
      {action && (
        <ConfirmDialog
          title={ACTIONS[action].title}
          confirmLabel={ACTIONS[action].label}
          danger={ACTIONS[action].danger}
          onConfirm={() => run(action)}
          onClose={() => setAction(undefined)}
        >
          <p>{ACTIONS[action].what}</p>
        </ConfirmDialog>
      )}
      {operationId && (
        <section aria-labelledby="started-title">
          <h2 id="started-title">Started</h2>
          <OperationProgress
            operationId={operationId}
            onFinished={() => (deleted ? navigate('/clients') : client.reload())}
          />
        </section>
      )}
      {!deleted && <ClientTopics clientId={clientId} name={c.name} />}
      <ClientOperations name={c.name} />
    </>
  );
}

function ClientTopics(props: { clientId: string; name: string }) {
  const pages = usePages();
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [confirming, setConfirming] = useState(false);
  const [unlinked, setUnlinked] = useState<Unlinked[]>();
  const mayChange = session.may('operator');
  const topics = useLoad(
    () =>
      call(
        api.GET('/v1/clients/{clientId}/topics', {
          params: {
            path: { clientId: props.clientId },
            query: { limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) },
          },
        }),
      ),
    [props.clientId, pages.cursor],
  );
  return (
    <section aria-labelledby="client-topics-title">
      <h2 id="client-topics-title">Topics</h2>
      <ErrorNote error={topics.error} />
      {topics.data?.items.length === 0 && <p>On no topic.</p>}
      {topics.data && topics.data.items.length > 0 && (
        <Table label="Topics of the client">
          <thead>
            <tr>
              {mayChange && (
                <th scope="col">
                  <span class="visually-hidden">Select</span>
                </th>
              )}
              <th scope="col">Topic</th>
              <th scope="col">Current key</th>
              <th scope="col">Confirmed by the device</th>
            </tr>
          </thead>
          <tbody>
            {topics.data.items.map((topic: Schemas['TopicOfClient']) => (
              <tr key={topic.hash}>
                {mayChange && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${topic.topic}`}
                      checked={selected.has(topic.hash)}
                      onChange={(e) => {
                        const next = new Map(selected);
                        if (e.currentTarget.checked) next.set(topic.hash, topic.topic);
                        else next.delete(topic.hash);
                        setSelected(next);
                      }}
                    />
                  </td>
                )}
                <td>
                  <Link href={`/topics/${topic.hash}`}>{topic.topic}</Link>
                </td>
                <td>{topic.keyVersion === undefined ? '' : `v${topic.keyVersion}`}</td>
                <td>
                  {topic.confirmed
                    ? `v${topic.confirmed.keyVersion}, ${when(topic.confirmed.at)}${topic.confirmed.keyVersion < (topic.keyVersion ?? 0) ? ' (behind)' : ''}`
                    : 'no receipt'}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {selected.size > 0 && (
        <div class="actions">
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Take off the {selected.size} selected topics
          </button>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Take ${props.name} off ${selected.size} topics?`}
          confirmLabel="Unlink"
          danger
          onConfirm={async () => {
            setUnlinked(
              await unlinkMany(
                [...selected].map(([topicHash, topic]) => ({ topicHash, clientId: props.clientId, label: topic })),
              ),
            );
            setSelected(new Map());
            topics.reload();
          }}
          onClose={() => setConfirming(false)}
        >
          <p>
            For each of {[...selected.values()].join(', ')} in turn: the topic is re-keyed for the clients that stay
            (this device never gets the new key), then the device is told to forget the topic.
          </p>
        </ConfirmDialog>
      )}
      {unlinked?.map((u) =>
        u.operationId ? (
          <OperationProgress key={u.operationId} operationId={u.operationId} onFinished={topics.reload} />
        ) : (
          <p key={u.label} class={u.error ? 'error' : undefined}>
            {u.label}: {u.error ?? 'done'}
          </p>
        ),
      )}
      <Pager pages={pages} nextCursor={topics.data?.cursor} label="Topic pages" />
      <Allowed>
        <BulkLinkForm side={{ clientId: props.clientId }} onLinked={topics.reload} />
      </Allowed>
    </section>
  );
}

function ClientOperations(props: { name: string }) {
  const operations = useLoad(
    () =>
      call(
        api.GET('/v1/operations', {
          params: { query: { targetType: 'client', target: props.name, limit: 10 } },
        }),
      ),
    [props.name],
  );
  return (
    <section aria-labelledby="client-operations-title">
      <h2 id="client-operations-title">Operations</h2>
      <ErrorNote error={operations.error} />
      {operations.data && <OperationsTable operations={operations.data.items} />}
    </section>
  );
}
