/** Policies: the paged list (creation order) with each one's target, schedule in words and next run, and the form (keys
 * that may change things only). */
import { api, call } from '../api/api.js';
import { Allowed } from '../components/Allowed.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { Pager, usePages } from '../components/Pager.js';
import { Table } from '../components/Table.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { PolicyForm } from '../policies/PolicyForm.js';
import { describeTarget } from '../policies/policyTarget.js';
import { Link, navigate } from '../router.js';

export function PoliciesPage() {
  const pages = usePages();
  const policies = useLoad(
    () =>
      call(
        api.GET('/v1/policies', {
          params: { query: { limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [pages.cursor],
  );
  return (
    <>
      <h1>Policies</h1>
      <p class="hint">Rotations that run on their own: on a schedule, on events, or both.</p>
      <ErrorNote error={policies.error} />
      {policies.data?.items.length === 0 && <p>None yet.</p>}
      {policies.data && policies.data.items.length > 0 && (
        <Table label="Policies table">
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col">Target</th>
              <th scope="col">When</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          <tbody>
            {policies.data.items.map((policy) => (
              <tr key={policy.id}>
                <td>
                  <Link href={`/policies/${policy.id}`}>{policy.name}</Link>
                  {!policy.enabled && <span class="status status-failed"> off</span>}
                </td>
                <td>{describeTarget(policy.target)}</td>
                <td>
                  {policy.description}
                  {policy.events?.length ? ` · on ${policy.events.map((e) => e.type).join(', ')}` : ''}
                </td>
                <td>{policy.nextRuns[0] ? when(policy.nextRuns[0]) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <Pager pages={pages} nextCursor={policies.data?.cursor} label="Policy pages" />
      <Allowed>
        <section aria-labelledby="create-policy-title" class="panel">
          <h2 id="create-policy-title">New policy</h2>
          <PolicyForm onSaved={(policy) => navigate(`/policies/${policy.id}`)} />
        </section>
      </Allowed>
    </>
  );
}
