/**
 * A topic's rotation under way, for its page: the newest `topic.rotate` operation of the topic (GET /v1/operations by
 * kind and target) while it has not started, runs, or waits on devices to confirm its key. The topic record holds the
 * new version from the moment the operation installs its key, before any command goes out; the operation then ends
 * once the broker took every command, while devices offline confirm when they come back, hours later perhaps. So:
 * "key v<N> being delivered — X of Y devices confirmed", a link to the operation and the devices not confirmed yet
 * (the operation's devices by state, a few of each; one that confirmed the key through a resync since, as its link
 * on its topics says, counts confirmed). Devices that send no receipts (e4go) stay `sent`. Polled.
 */
import { api, call, type Schemas } from '../api/api.js';
import { Link } from '../router.js';
import { ErrorNote } from './ErrorNote.js';
import { isFinished } from './OperationProgress.js';
import { useLoad } from './useLoad.js';

/** Devices listed of each state not confirmed (each one's confirmation checked: a request each). */
const SHOWN = 10;
const NOT_CONFIRMED = ['sent', 'failed', 'pending'] as const;
/** Pages of a client's topics read at most to find the topic's. */
const TOPIC_PAGES = 5;

interface Device {
  readonly client: { readonly name: string; readonly id: string };
  readonly state: string;
  readonly lastError?: string;
}

interface UnderWay {
  readonly operation: Schemas['Operation'];
  /** The operation's confirmed devices, and those that confirmed the key through another operation (a resync). */
  readonly confirmed: number;
  readonly devices: Device[];
  readonly more: boolean;
}

/** Whether the client confirmed holding `keyVersion` of the topic (its link's side, whatever operation sent it). */
async function confirmedElsewhere(clientId: string, topicHash: string, keyVersion: number): Promise<boolean> {
  let cursor: string | undefined;
  for (let read = 0; read < TOPIC_PAGES; read++) {
    const page = await call(
      api.GET('/v1/clients/{clientId}/topics', {
        params: { path: { clientId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    );
    const link = page.items.find((item) => item.hash === topicHash);
    if (link) return (link.confirmed?.keyVersion ?? 0) >= keyVersion;
    cursor = page.cursor;
    if (!cursor) return false;
  }
  return false;
}

/**
 * The rotation of the topic under way: its key (`keyVersion`, the topic's current one, or the next) not confirmed by
 * every device. A device the operation counts as not confirmed may have confirmed the key since through a resync
 * (a device that came back): its link says so, and it is counted confirmed.
 */
async function rotationUnderWay(topic: { topic: string; hash: string; keyVersion: number }) {
  const newest = await call(
    api.GET('/v1/operations', {
      params: { query: { kind: 'topic.rotate', targetType: 'topic', target: topic.topic, limit: 1 } },
    }),
  );
  const operation = newest.items[0];
  if (!operation || operation.status === 'failed') return undefined;
  // A later key came from another change (a client taken off the topic): this rotation's key is not current.
  if (operation.keyVersion !== undefined && operation.keyVersion < topic.keyVersion) return undefined;
  if (isFinished(operation) && operation.counts.confirmed >= operation.counts.total) return undefined;
  const pages = await Promise.all(
    NOT_CONFIRMED.map((state) =>
      call(
        api.GET('/v1/operations/{operationId}/devices', {
          params: { path: { operationId: operation.id }, query: { state, limit: SHOWN } },
        }),
      ),
    ),
  );
  const listed = pages.flatMap((page) => page.items);
  const version = operation.keyVersion;
  const since =
    version === undefined
      ? listed.map(() => false)
      : await Promise.all(listed.map((device) => confirmedElsewhere(device.client.id, topic.hash, version)));
  const devices = listed.filter((_, index) => !since[index]);
  const confirmed = operation.counts.confirmed + since.filter(Boolean).length;
  const more = pages.some((page) => page.cursor !== undefined);
  if (isFinished(operation) && confirmed >= operation.counts.total) return undefined;
  return { operation, confirmed, devices, more } satisfies UnderWay;
}

const SENDING: Record<Schemas['Operation']['status'], string> = {
  pending: 'waits to start',
  running: 'sending the key',
  succeeded: 'the key sent to every device',
  partial: 'some devices could not be sent the key',
  failed: 'failed',
};

const STATE: Record<string, string> = {
  pending: 'not sent yet',
  sent: 'sent, not confirmed',
  failed: 'failed',
};

export function RotationUnderWay(props: { topic: string; hash: string; keyVersion: number }) {
  const { topic, hash, keyVersion } = props;
  const loaded = useLoad(() => rotationUnderWay({ topic, hash, keyVersion }), [topic, hash, keyVersion], {
    // Each second or so while it sends; slower while it waits on devices (hours, for one offline).
    everyMs: (data) => (data && !isFinished(data.operation) ? 2000 : 10_000),
    stop: (data) => data === undefined,
  });
  if (!loaded.data) return <ErrorNote error={loaded.error} />;
  const { operation, confirmed, devices, more } = loaded.data;
  const version = operation.keyVersion ?? keyVersion + 1;
  const { total } = operation.counts;
  return (
    <section aria-labelledby="rotation-title" class="panel">
      <h2 id="rotation-title">Rotation under way</h2>
      <p data-testid="rotation-progress">
        {operation.status === 'pending'
          ? `key v${version} being made: the rotation waits to start`
          : `key v${version} being delivered — ${confirmed} of ${total} devices confirmed`}
      </p>
      <p>
        <Link href={`/operations/${operation.id}`}>The rotation's operation</Link>: {SENDING[operation.status]}
      </p>
      {devices.length > 0 && (
        <>
          <h3>Not confirmed yet</h3>
          <ul class="rows" aria-label="Devices not confirmed yet">
            {devices.map((device) => (
              <li key={device.client.id}>
                <Link href={`/clients/${device.client.id}`}>{device.client.name}</Link>{' '}
                <span>
                  {STATE[device.state] ?? device.state}
                  {device.lastError ? `: ${device.lastError}` : ''}
                </span>
              </li>
            ))}
          </ul>
          {more && <p>More on the operation's page.</p>}
          <p class="hint">Devices that send no receipts (e4go) stay "sent, not confirmed".</p>
        </>
      )}
    </section>
  );
}
