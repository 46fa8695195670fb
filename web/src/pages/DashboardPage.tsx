/**
 * The dashboard: what the tenant holds (GET /v1/limits), operations in progress with live progress (polled), devices
 * behind on a topic key (from the first clients' topics: there is no route for it across the fleet yet), the next
 * policy runs (of the first hundred policies) and the latest events of the audit trail.
 */
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationSummary } from '../components/OperationProgress.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link } from '../router.js';

/** Clients whose topics are looked at for devices behind. */
const BEHIND_SCAN = 25;

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

interface Behind {
  readonly client: Schemas['Client'];
  readonly topic: Schemas['TopicOfClient'];
}

function DevicesBehind() {
  const behind = useLoad(async () => {
    const clients = await call(api.GET('/v1/clients', { params: { query: { limit: BEHIND_SCAN } } }));
    const found: Behind[] = [];
    for (const client of clients.items) {
      const topics = await call(
        api.GET('/v1/clients/{clientId}/topics', { params: { path: { clientId: client.id }, query: { limit: 100 } } }),
      );
      for (const topic of topics.items) {
        if (topic.confirmed && topic.confirmed.keyVersion < (topic.keyVersion ?? 0)) found.push({ client, topic });
      }
    }
    return { found, more: clients.cursor !== undefined };
  }, []);
  return (
    <section aria-labelledby="behind-title">
      <h2 id="behind-title">Devices behind</h2>
      <p class="hint">
        Devices that confirmed an older key than their topic's current one
        {behind.data?.more ? ` (among the first ${BEHIND_SCAN} clients)` : ''}.
      </p>
      <ErrorNote error={behind.error} />
      {behind.data?.found.length === 0 && <p>None: every device that sends receipts holds its current keys.</p>}
      {behind.data && behind.data.found.length > 0 && (
        <Table label="Devices behind table">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Topic</th>
              <th scope="col">Confirmed</th>
              <th scope="col">Current</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {behind.data.found.map(({ client, topic }) => (
              <tr key={`${client.id} ${topic.hash}`}>
                <td>
                  <Link href={`/clients/${client.id}`}>{client.name}</Link>
                </td>
                <td>
                  <Link href={`/topics/${topic.hash}`}>{topic.topic}</Link>
                </td>
                <td>v{topic.confirmed?.keyVersion}</td>
                <td>v{topic.keyVersion}</td>
                <td>{when(client.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
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
      {events.data && (
        <Table label="Recent events table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {events.data.items.map((event) => (
              <tr key={event.id}>
                <td>{when(event.at)}</td>
                <td>{event.actor}</td>
                <td>{event.action}</td>
                <td>{event.target.name}</td>
                <td>{event.result}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
