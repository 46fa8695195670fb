/**
 * Topics: a paged list (hash order) with each key's version and age and its number of clients (one request a topic:
 * the list does not carry it), searched by name prefix (`namePrefix`) or exact hash, and the creation form (keys that
 * may change things only).
 */
import { useState } from 'preact/hooks';
import { ApiError, api, call } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link, navigate } from '../router.js';

const TOPIC_HASH = /^[0-9a-fA-F]{32}$/;

/**
 * A page of the topics starting with `search` (in hash order: a page may be short, even empty, while its cursor says
 * more follow); on the first page, the topic of that hash too when the search is one.
 */
async function findTopics(search: string, cursor: string | undefined) {
  const page = await call(
    api.GET('/v1/topics', {
      params: { query: { limit: 25, ...(search ? { namePrefix: search } : {}), ...(cursor ? { cursor } : {}) } },
    }),
  );
  if (search === '' || cursor !== undefined || !TOPIC_HASH.test(search)) return page;
  const topicHash = search.toLowerCase();
  if (page.items.some((topic) => topic.hash === topicHash)) return page;
  try {
    const { clientCount: _, ...byHash } = await call(
      api.GET('/v1/topics/{topicHash}', { params: { path: { topicHash } } }),
    );
    return { ...page, items: [byHash, ...page.items] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return page;
    throw error;
  }
}

export function TopicsPage() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const pages = usePages();
  const topics = useLoad(async () => {
    const page = await findTopics(query, pages.cursor);
    const counts = await Promise.all(
      page.items.map((topic) =>
        call(api.GET('/v1/topics/{topicHash}', { params: { path: { topicHash: topic.hash } } })).then(
          (detail) => detail.clientCount,
          () => undefined,
        ),
      ),
    );
    return { ...page, items: page.items.map((topic, i) => ({ ...topic, clientCount: counts[i] })) };
  }, [query, pages.cursor]);
  return (
    <>
      <h1>Topics</h1>
      <search>
        <form
          class="search"
          onSubmit={(event) => {
            event.preventDefault();
            pages.reset();
            setQuery(search.trim());
          }}
        >
          <label for="topic-search">Find topics by name prefix or hash</label>
          <input id="topic-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
      </search>
      <ErrorNote error={topics.error} />
      {topics.data?.items.length === 0 && (
        <p>
          {!query
            ? 'None yet.'
            : topics.data.cursor
              ? `None on this page: more topics may start with ${query} on the next.`
              : `No topic starting with ${query}, or of that hash.`}
        </p>
      )}
      {topics.data && topics.data.items.length > 0 && (
        <Table label="Topics table">
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Clients</th>
              <th scope="col">Key version</th>
              <th scope="col">Key since</th>
            </tr>
          </thead>
          <tbody>
            {topics.data.items.map((topic) => (
              <tr key={topic.hash}>
                <td>
                  <Link href={`/topics/${topic.hash}`}>{topic.topic}</Link>
                </td>
                <td>{topic.clientCount ?? '?'}</td>
                <td>v{topic.keyVersion}</td>
                <td>{when(topic.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <Pager pages={pages} nextCursor={topics.data?.cursor} label="Topic pages" />
      <Allowed>
        <CreateTopic />
      </Allowed>
    </>
  );
}

function CreateTopic() {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const topic = await call(api.POST('/v1/topics', { body: { topic: name } }));
      navigate(`/topics/${topic.hash}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="create-topic-title" class="panel">
      <h2 id="create-topic-title">New topic</h2>
      <form onSubmit={submit}>
        <label for="topic-name">Topic</label>
        <input id="topic-name" required maxLength={512} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <p class="hint">The MQTT topic its messages go on; it gets a new random key, sent to each client linked.</p>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create topic'}
        </button>
      </form>
    </section>
  );
}
