/**
 * A topic's rotation under way, for its page: the newest `topic.rotate` operation of the topic (GET /v1/operations by
 * kind and target) while it has not started, runs, or waits on devices to confirm its key. The topic record holds the
 * new version from the moment the operation installs its key, before any command goes out; the operation then ends
 * once the broker took every command, while devices offline confirm when they come back, hours later perhaps. So:
 * "key v<N> being delivered — X of Y devices confirmed", a link to the operation and the devices not confirmed yet
 * (the operation's devices by state, a few of each). A device that confirmed the key through a resync since (back
 * from offline) is confirmed in the operation itself (its `confirmedVia`). Devices that send no receipts (e4go) stay
 * `sent`. Polled.
 */
import { api, call, type Schemas } from '../api/api.js';
import { Link } from '../router.js';
import { ErrorNote } from './ErrorNote.js';
import { isFinished } from './OperationProgress.js';
import { useLoad } from './useLoad.js';

/** Devices listed of each state not confirmed. */
const SHOWN = 10;
const NOT_CONFIRMED = ['sent', 'failed', 'pending'] as const;

interface Device {
  readonly client: { readonly name: string; readonly id: string };
  readonly state: string;
  readonly lastError?: string;
}

interface UnderWay {
  readonly operation: Schemas['Operation'];
  readonly devices: Device[];
  readonly more: boolean;
}

/**
 * The rotation of the topic under way: its key (`keyVersion`, the topic's current one, or the next) not confirmed by
 * every device.
 */
async function rotationUnderWay(topic: { topic: string; keyVersion: number }) {
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
  const devices = pages.flatMap((page) => page.items);
  const more = pages.some((page) => page.cursor !== undefined);
  return { operation, devices, more } satisfies UnderWay;
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

export function RotationUnderWay(props: { topic: string; keyVersion: number }) {
  const { topic, keyVersion } = props;
  const loaded = useLoad(() => rotationUnderWay({ topic, keyVersion }), [topic, keyVersion], {
    // Each second or so while it sends; slower while it waits on devices (hours, for one offline).
    everyMs: (data) => (data && !isFinished(data.operation) ? 2000 : 10_000),
    stop: (data) => data === undefined,
  });
  if (!loaded.data) return <ErrorNote error={loaded.error} />;
  const { operation, devices, more } = loaded.data;
  const version = operation.keyVersion ?? keyVersion + 1;
  const { total, confirmed } = operation.counts;
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
