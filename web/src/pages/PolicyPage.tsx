/**
 * One policy: its target, schedule in words and next five runs (the C2's), events, the edit form, "run now", its
 * history of runs (paged, newest first) and the operations of the run chosen there (the one just started, at
 * first: RunOperations, one polled read for them all), and its deletion behind a dialog. Edit, run and delete only for
 * keys that may change things.
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { PolicyForm } from '../policies/PolicyForm.js';
import { describeTarget } from '../policies/policyTarget.js';
import { RunOperations } from '../policies/RunOperations.js';
import { Link, navigate } from '../router.js';

type Pending = 'run' | 'delete';

export function PolicyPage(props: { policyId: string }) {
  const { policyId } = props;
  const path = { params: { path: { policyId } } };
  const policy = useLoad(() => call(api.GET('/v1/policies/{policyId}', path)), [policyId]);
  const pages = usePages();
  const runs = useLoad(
    () =>
      call(
        api.GET('/v1/policies/{policyId}/runs', {
          params: { path: { policyId }, query: { limit: 10, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [policyId, pages.cursor],
  );
  const [pending, setPending] = useState<Pending>();
  const [editing, setEditing] = useState(false);
  // The run whose operations are shown: the one started here, or one chosen in the runs table.
  const [shown, setShown] = useState<Schemas['PolicyRun']>();

  const run = async (chosen: Pending) => {
    if (chosen === 'run') {
      const answer = await call(api.POST('/v1/policies/{policyId}/run', path));
      setShown(answer.run);
      runs.reload();
    } else {
      await call(api.DELETE('/v1/policies/{policyId}', path));
      navigate('/policies');
    }
  };

  if (!policy.data) return <ErrorNote error={policy.error} />;
  const p = policy.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/policies">Policies</Link>
      </p>
      <h1>{p.name}</h1>
      <dl class="facts">
        <dt>Target</dt>
        <dd>{describeTarget(p.target)}</dd>
        <dt>Action</dt>
        <dd>{p.action}</dd>
        <dt>Schedule</dt>
        <dd data-testid="policy-schedule">
          {p.description}
          {p.schedule ? (
            <>
              {' '}
              (<code>{p.schedule.expression}</code>)
            </>
          ) : null}
        </dd>
        <dt>Events</dt>
        <dd>{p.events?.length ? p.events.map(describeEvent).join('; ') : 'none'}</dd>
        <dt>Enabled</dt>
        <dd>{p.enabled ? 'yes' : 'no'}</dd>
        <dt>Revision</dt>
        <dd>
          {p.revision}, {when(p.updatedAt)}
        </dd>
      </dl>
      <section aria-labelledby="next-runs-title">
        <h2 id="next-runs-title">Next runs</h2>
        {p.nextRuns.length === 0 ? (
          <p>None scheduled{p.enabled ? '' : ' (the policy is off)'}.</p>
        ) : (
          <ol data-testid="next-runs">
            {p.nextRuns.map((at) => (
              <li key={at}>{when(at)}</li>
            ))}
          </ol>
        )}
      </section>
      <Allowed>
        <div class="actions">
          <button type="button" class="primary" onClick={() => setPending('run')}>
            Run now
          </button>
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {editing ? 'Close the editor' : 'Edit'}
          </button>
          <button type="button" class="danger" onClick={() => setPending('delete')}>
            Delete
          </button>
        </div>
      </Allowed>
      {pending && (
        <ConfirmDialog
          title={pending === 'run' ? 'Run this policy now?' : 'Delete this policy?'}
          confirmLabel={pending === 'run' ? 'Run' : 'Delete'}
          danger={pending === 'delete'}
          onConfirm={() => run(pending)}
          onClose={() => setPending(undefined)}
        >
          <p>
            {pending === 'run'
              ? `${p.action} now for every target it names today (${describeTarget(p.target)}), enabled or not: ` +
                'one operation each, sending new keys to the devices.'
              : 'The policy stops running and its runs are no longer listed. Operations it started go on.'}
          </p>
        </ConfirmDialog>
      )}
      {editing && (
        <section aria-labelledby="edit-policy-title" class="panel">
          <h2 id="edit-policy-title">Edit</h2>
          <PolicyForm
            key={p.revision}
            policy={p}
            onSaved={() => {
              setEditing(false);
              policy.reload();
            }}
          />
        </section>
      )}
      {shown && (
        <section aria-labelledby="run-operations-title">
          <h2 id="run-operations-title">Operations of the run of {when(shown.at)}</h2>
          {shown.operationCount === 0 ? (
            <p>No target matched: nothing to do.</p>
          ) : (
            <RunOperations key={shown.id} policyId={policyId} runId={shown.id} />
          )}
        </section>
      )}
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <ErrorNote error={runs.error} />
        {runs.data?.items.length === 0 && <p>None yet.</p>}
        {runs.data && runs.data.items.length > 0 && (
          <Table label="Runs table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Why</th>
                <th scope="col">By</th>
                <th scope="col">Outcome</th>
                <th scope="col">Operations</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.at)}</td>
                  <td>
                    {r.reason}
                    {r.event ? ` (${r.event.type}${r.event.topic ? ` on ${r.event.topic}` : ''})` : ''}
                    {r.missed ? ' (missed runs)' : ''}
                  </td>
                  <td>{r.actor}</td>
                  <td>
                    {r.outcome}
                    {r.error ? ` (${r.error})` : ''}
                  </td>
                  <td>
                    {r.operationCount === 0 ? (
                      '—'
                    ) : (
                      <button type="button" aria-pressed={shown?.id === r.id} onClick={() => setShown(r)}>
                        {r.operationCount} {r.operationCount === 1 ? 'operation' : 'operations'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <Pager pages={pages} nextCursor={runs.data?.cursor} label="Run pages" />
      </section>
    </>
  );
}

function describeEvent(event: Schemas['PolicyEvent']): string {
  if (event.type === 'key.age') return `when the key is ${event.days} days old`;
  if (event.type === 'client.removed')
    return `${event.delayMinutes ?? 0} min after a client is removed${event.batchMinutes ? ` (batched ${event.batchMinutes} min)` : ''}`;
  return `after ${event.count} ${event.type === 'client.subscribed' ? 'joins' : 'leaves'}`;
}
