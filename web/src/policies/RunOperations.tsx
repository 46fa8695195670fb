/**
 * The operations a policy run started, as the operations table, a page at a time: one list read
 * (GET /v1/operations?policy=&run=) per page shown, polled every few seconds while any on it is pending or running
 * and no longer once none is, so that a run of many operations costs the tenant's rate limit one request a poll.
 */
import { api, call } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { isFinished } from '../components/OperationProgress.js';
import { OperationsTable } from '../components/OperationsTable.js';
import { Pager, usePages } from '../components/Pager.js';
import { useLoad } from '../components/useLoad.js';

/** How often the page shown is read again while its operations go on. */
export const RUN_POLL_MS = 3000;

export function RunOperations(props: { policyId: string; runId: string }) {
  const { policyId, runId } = props;
  const pages = usePages();
  const loaded = useLoad(
    () =>
      call(
        api.GET('/v1/operations', {
          params: {
            query: { policy: policyId, run: runId, limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) },
          },
        }),
      ),
    [policyId, runId, pages.cursor],
    { everyMs: RUN_POLL_MS, stop: (page) => page.items.every(isFinished) },
  );
  return (
    <>
      <ErrorNote error={loaded.error} />
      {loaded.data && <OperationsTable operations={loaded.data.items} />}
      <Pager pages={pages} nextCursor={loaded.data?.cursor} label="Pages of the run's operations" />
    </>
  );
}
