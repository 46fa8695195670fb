/**
 * The dashboard: what the tenant holds (GET /v1/limits), operations in progress with live progress (polled), the
 * devices behind on a topic or identity key (GET /v1/devices-behind, 25 at a time, 5 requests a look at most, stopped
 * when the page is left), the next policy runs (of the first hundred policies) and the latest events of the audit
 * trail.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { EventsTable } from '../components/EventsTable.js';
import { OperationSummary } from '../components/OperationProgress.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link } from '../router.js';

export function DashboardPage() {
  const limits = useLoad(() => call(api.GET('/v1/limits')), []);
  const operations = useLoad(
    async () => {
      const [running, pending] = await Promise.all([
        call(api.GET('/v1/operations', { params: { query: { status: 'running', limit: 20 } } })),
        call(api.GET('/v1/operations', { params: { query: { status: 'pending', limit: 20 } } })),
      ]);
      return [...running.items, ...pending.items];
    },
    [],
    { everyMs: 2000 },
  );
  const usage = limits.data?.usage;
  return (
    <>
      <h1>Dashboard</h1>
      <ErrorNote error={limits.error} />
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" class="visually-hidden">
          Counts
        </h2>
        <dl class="counters">
          <Counter label="Clients" value={usage?.clients} max={limits.data?.limits.maxClients} href="/clients" />
          <Counter label="Topics" value={usage?.topics} max={limits.data?.limits.maxTopics} href="/topics" />
          <Counter label="Policies" value={usage?.policies} max={limits.data?.limits.maxPolicies} href="/policies" />
          <Counter label="Operations in progress" value={usage?.operationsInProgress} href="/operations" />
        </dl>
      </section>
      <section aria-labelledby="progress-title">
        <h2 id="progress-title">Operations in progress</h2>
        <ErrorNote error={operations.error} />
        {operations.data?.length === 0 && <p>None.</p>}
        {operations.data?.map((operation) => (
          <OperationSummary key={operation.id} operation={operation} />
        ))}
      </section>
      <DevicesBehind />
      <NextRuns />
      <RecentEvents />
    </>
  );
}

function Counter(props: { label: string; value: number | undefined; max?: number | undefined; href?: string }) {
  const value = props.value === undefined ? '…' : String(props.value);
  return (
    <div class="counter">
      <dt>{props.href ? <Link href={props.href}>{props.label}</Link> : props.label}</dt>
      <dd>
        {value}
        {props.max !== undefined && <span class="of"> of {props.max}</span>}
      </dd>
    </div>
  );
}

/** Devices behind shown at first, and added by each "more". */
const BEHIND_PAGE = 25;

type DeviceBehind = Schemas['DeviceBehind'];

/** Requests one look makes at most: on a large tenant that is up to date, pages are short or empty for long. */
export const BEHIND_REQUESTS = 5;

interface Behind {
  readonly items: DeviceBehind[];
  readonly cursor?: string;
  /** The look stopped after {@link BEHIND_REQUESTS} requests with fewer than it wanted, more may follow. */
  readonly stopped?: true;
}

/** `items` then `more`, a client listed again by the next page (the rest of its topics) merged into one. */
function appendBehind(items: DeviceBehind[], more: readonly DeviceBehind[]): void {
  for (const device of more) {
    const last = items.at(-1);
    if (last?.id === device.id) items[items.length - 1] = { ...last, topics: [...last.topics, ...device.topics] };
    else items.push(device);
  }
}

/**
 * Up to `wanted` devices behind from `cursor` on: GET /v1/devices-behind pages are followed while short (a page may
 * be short, even empty, while its cursor says more follow), until enough are found, the end, or
 * {@link BEHIND_REQUESTS} requests; `signal` aborts it (the page left).
 */
async function devicesBehind(
  cursor: string | undefined,
  wanted: number,
  signal: AbortSignal,
  previous: readonly DeviceBehind[] = [],
): Promise<Behind> {
  const items = [...previous];
  const target = previous.length + wanted;
  let next = cursor;
  let requests = 0;
  do {
    const page = await call(
      api.GET('/v1/devices-behind', {
        params: { query: { limit: Math.min(100, target - items.length), ...(next ? { cursor: next } : {}) } },
        signal,
      }),
    );
    appendBehind(items, page.items);
    next = page.cursor;
    requests++;
  } while (next !== undefined && items.length < target && requests < BEHIND_REQUESTS);
  if (next === undefined) return { items };
  return items.length < target ? { items, cursor: next, stopped: true } : { items, cursor: next };
}

/** What a device has not confirmed yet: each topic key (confirmed vs current) and its identity key. */
function pendingOf(device: DeviceBehind) {
  return (
    <ul class="pending">
      {device.identityKey && (
        <li>
          identity key: v{device.identityKey.keyVersion} in force, v{device.identityKey.pendingVersion} sent
        </li>
      )}
      {device.topics.map((topic) => (
        <li key={topic.hash}>
          <Link href={`/topics/${topic.hash}`}>{topic.topic}</Link>:{' '}
          {`${topic.confirmedVersion === undefined ? 'none confirmed' : `v${topic.confirmedVersion} confirmed`}, v${topic.keyVersion} current`}
        </li>
      ))}
    </ul>
  );
}

function DevicesBehind() {
  const [more, setMore] = useState<Behind>();
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const first = useLoad((signal) => devicesBehind(undefined, BEHIND_PAGE, signal), []);
  // A look for more, aborted when the page is left.
  const leaving = useRef(new AbortController());
  useEffect(() => () => leaving.current.abort(), []);
  const shown = more ?? first.data;
  const loadMore = async () => {
    if (!shown?.cursor) return;
    setBusy(true);
    setMoreError(undefined);
    try {
      setMore(await devicesBehind(shown.cursor, BEHIND_PAGE, leaving.current.signal, shown.items));
    } catch (failure) {
      if (!leaving.current.signal.aborted) setMoreError(failure);
    } finally {
      if (!leaving.current.signal.aborted) setBusy(false);
    }
  };
  return (
    <section aria-labelledby="behind-title">
      <h2 id="behind-title">Devices behind</h2>
      <p class="hint">
        Clients that have not confirmed their current keys: a topic key newer than the one they confirmed (or none yet),
        or an identity key sent and not yet in force. Devices that send no receipts never confirm, so they stay listed.
      </p>
      <ErrorNote error={first.error} />
      {shown?.items.length === 0 && !shown.cursor && <p>None: every device confirmed its current keys.</p>}
      {shown && shown.items.length > 0 && (
        <Table label="Devices behind table">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Last seen</th>
              <th scope="col">Pending</th>
            </tr>
          </thead>
          <tbody>
            {shown.items.map((device) => (
              <tr key={device.id} data-client-id={device.id}>
                <td>
                  <Link href={`/clients/${device.id}`}>{device.name}</Link>
                </td>
                <td>{when(device.lastSeenAt)}</td>
                <td>{pendingOf(device)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <ErrorNote error={moreError} />
      {shown?.stopped && (
        <p data-testid="behind-stopped">
          More may be behind: the look stopped after {BEHIND_REQUESTS} requests ({shown.items.length} found); see "More
          devices behind" to look further.
        </p>
      )}
      {shown?.cursor && (
        <button type="button" onClick={loadMore} disabled={busy}>
          {busy ? 'Looking…' : 'More devices behind'}
        </button>
      )}
    </section>
  );
}

/** Policies looked at for their next runs. */
const POLICY_SCAN = 100;
const NEXT_RUNS = 5;

function NextRuns() {
  const runs = useLoad(async () => {
    const policies = await call(api.GET('/v1/policies', { params: { query: { limit: POLICY_SCAN } } }));
    return policies.items
      .flatMap((policy) => policy.nextRuns.map((at) => ({ at, policy })))
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(0, NEXT_RUNS);
  }, []);
  return (
    <section aria-labelledby="next-runs-title">
      <h2 id="next-runs-title">Next policy runs</h2>
      <ErrorNote error={runs.error} />
      {runs.data?.length === 0 && <p>None scheduled.</p>}
      {runs.data && runs.data.length > 0 && (
        <ul class="rows">
          {runs.data.map(({ at, policy }) => (
            <li key={`${policy.id} ${at}`}>
              <span>{when(at)}</span>
              <Link href={`/policies/${policy.id}`}>{policy.name}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RecentEvents() {
  const events = useLoad(() => call(api.GET('/v1/events', { params: { query: { limit: 10 } } })), []);
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Recent events</h2>
      <ErrorNote error={events.error} />
      {events.data && <EventsTable events={events.data.items} label="Recent events table" />}
    </section>
  );
}
