/** Operations, newest first, a page at a time, filtered by status. */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { OperationsTable } from '../components/OperationsTable.js';
import { Pager, usePages } from '../components/Pager.js';
import { useLoad } from '../components/useLoad.js';

type Status = Schemas['Operation']['status'];
const STATUSES: Status[] = ['pending', 'running', 'succeeded', 'partial', 'failed'];

export function OperationsPage() {
  const [status, setStatus] = useState<Status | ''>('');
  const pages = usePages();
  const operations = useLoad(
    () =>
      call(
        api.GET('/v1/operations', {
          params: {
            query: { limit: 25, ...(status ? { status } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) },
          },
        }),
      ),
    [status, pages.cursor],
    { everyMs: 3000 },
  );
  return (
    <>
      <h1>Operations</h1>
      <label for="operation-status">Status</label>
      <select
        id="operation-status"
        value={status}
        onChange={(event) => {
          pages.reset();
          setStatus(event.currentTarget.value as Status | '');
        }}
      >
        <option value="">any</option>
        {STATUSES.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
      <ErrorNote error={operations.error} />
      {operations.data && <OperationsTable operations={operations.data.items} />}
      <Pager pages={pages} nextCursor={operations.data?.cursor} label="Operation pages" />
    </>
  );
}
