/**
 * Links in bulk from either side: the names of clients to put on a topic, or of topics to put a client on, one a line.
 * Each name is looked up (exact name) and linked in turn (the device is sent the topic key); the result of each is
 * listed, so a name that fails does not hide the ones that worked. More than MAX_NAMES names are refused whole, the
 * text kept, so no name is dropped unseen.
 */
import { useState } from 'preact/hooks';
import { api, call, messageOf } from '../api/api.js';

export type LinkSide = { topicHash: string } | { clientId: string };

/** At most this many names at once (one request or two each). */
const MAX_NAMES = 100;

async function linkOne(side: LinkSide, name: string): Promise<void> {
  let topicHash: string;
  let clientId: string;
  if ('topicHash' in side) {
    const found = await call(api.GET('/v1/clients', { params: { query: { name } } }));
    if (!found.items[0]) throw new Error('no client of that name');
    topicHash = side.topicHash;
    clientId = found.items[0].id;
  } else {
    const found = await call(api.GET('/v1/topics', { params: { query: { topic: name } } }));
    if (!found.items[0]) throw new Error('no topic of that name');
    topicHash = found.items[0].hash;
    clientId = side.clientId;
  }
  await call(api.PUT('/v1/topics/{topicHash}/clients/{clientId}', { params: { path: { topicHash, clientId } } }));
}

export function BulkLinkForm(props: { side: LinkSide; onLinked(): void }) {
  const onTopic = 'topicHash' in props.side;
  const id = onTopic ? 'link-clients' : 'link-topics';
  const [names, setNames] = useState('');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ name: string; error?: string }[]>();
  const [tooMany, setTooMany] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const list = [...new Set(names.split('\n').map((name) => name.trim()))].filter(Boolean);
    if (list.length > MAX_NAMES) {
      setResults(undefined);
      setTooMany(`At most ${MAX_NAMES} names at once: ${list.length} given, none linked. Send them in parts.`);
      return;
    }
    setTooMany(undefined);
    setBusy(true);
    const done: { name: string; error?: string }[] = [];
    for (const name of list) {
      try {
        await linkOne(props.side, name);
        done.push({ name });
      } catch (failure) {
        done.push({ name, error: messageOf(failure) });
      }
      setResults([...done]);
    }
    setNames(
      done
        .filter((r) => r.error)
        .map((r) => r.name)
        .join('\n'),
    );
    setBusy(false);
    props.onLinked();
  };
  return (
    <form onSubmit={submit} class="bulk">
      <label for={id}>
        {onTopic ? 'Link clients (their names, one a line)' : 'Put on topics (their names, one a line)'}
      </label>
      <textarea id={id} required rows={3} value={names} onInput={(e) => setNames(e.currentTarget.value)} />
      {tooMany && (
        <p role="alert" class="error">
          {tooMany}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Working…' : onTopic ? 'Link' : 'Put on the topics'}
      </button>
      {results && (
        <ul aria-live="polite" class="results">
          {results.map((r) => (
            <li key={r.name} class={r.error ? 'error' : undefined}>
              {r.name}:{' '}
              {r.error ?? (onTopic ? 'on the topic, its device sent the key' : 'linked, the device sent the key')}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
