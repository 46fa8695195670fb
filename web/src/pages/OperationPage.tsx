/**
 * One operation: its live progress, each device's state (one confirmed through a resync links it), attempts and last
 * error, and a retry (its key sent again to the devices that did not confirm it) once it has ended, for keys that may
 * change things.
 */
import { useState } from 'preact/hooks';
import { api, call } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { isFinished, OperationSummary } from '../components/OperationProgress.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { Link } from '../router.js';

export function OperationPage(props: { operationId: string }) {
  const { operationId } = props;
  const [round, setRound] = useState(0);
  const operation = useLoad(
    () => call(api.GET('/v1/operations/{operationId}', { params: { path: { operationId } } })),
    [operationId, round],
    { everyMs: 1000, stop: isFinished },
  );
  const pages = usePages();
  const devices = useLoad(
    () =>
      call(
        api.GET('/v1/operations/{operationId}/devices', {
          params: { path: { operationId }, query: { limit: 50, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [operationId, pages.cursor, operation.data?.status, operation.data?.counts.confirmed],
  );
  const [retrying, setRetrying] = useState(false);
  const o = operation.data;
  if (!o) return <ErrorNote error={operation.error} />;
  return (
    <>
      <p class="crumbs">
        <Link href="/operations">Operations</Link>
      </p>
      <h1>
        {o.kind} of {o.target.name}
      </h1>
      <OperationSummary operation={o} />
      <dl class="facts">
        <dt>Started</dt>
        <dd>{when(o.createdAt)}</dd>
        <dt>By</dt>
        <dd>{o.actor}</dd>
        {o.finishedAt && (
          <>
            <dt>Ended</dt>
            <dd>{when(o.finishedAt)}</dd>
          </>
        )}
        {o.error && (
          <>
            <dt>Error</dt>
            <dd>{o.error.message}</dd>
          </>
        )}
      </dl>
      {isFinished(o) && o.counts.confirmed < o.counts.total && (
        <Allowed>
          <div class="actions">
            <button type="button" onClick={() => setRetrying(true)}>
              Retry
            </button>
          </div>
        </Allowed>
      )}
      {retrying && (
        <ConfirmDialog
          title="Send the key again?"
          confirmLabel="Retry"
          onConfirm={async () => {
            await call(api.POST('/v1/operations/{operationId}/retry', { params: { path: { operationId } } }));
            setRound((n) => n + 1);
          }}
          onClose={() => setRetrying(false)}
        >
          <p>
            The same key, at fresh timestamps, is sent again to the devices of this operation that have not confirmed
            it. Only the operation that installed the topic's current key can be retried.
          </p>
        </ConfirmDialog>
      )}
      <section aria-labelledby="devices-title">
        <h2 id="devices-title">Devices</h2>
        <ErrorNote error={devices.error} />
        {devices.data?.items.length === 0 && <p>No device.</p>}
        {devices.data && devices.data.items.length > 0 && (
          <Table label="Devices table">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.items.map((device) => (
                <tr key={device.client.id}>
                  <td>
                    <Link href={`/clients/${device.client.id}`}>{device.client.name}</Link>
                  </td>
                  <td>
                    {device.state}
                    {device.confirmedVia && (
                      <>
                        {' '}
                        (through <Link href={`/operations/${device.confirmedVia}`}>a resync</Link>)
                      </>
                    )}
                  </td>
                  <td>{device.attempts}</td>
                  <td>{device.lastError ?? ''}</td>
                  <td>{when(device.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager pages={pages} nextCursor={devices.data?.cursor} label="Device pages" />
      </section>
    </>
  );
}
