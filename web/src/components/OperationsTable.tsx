/** A table of operations (kind, target, status, devices done), each a link to its page. */
import type { Schemas } from '../api/api.js';
import { when } from '../format.js';
import { Link } from '../router.js';
import { percentDone } from './OperationProgress.js';
import { Table } from './Table.js';

export function OperationsTable(props: { operations: Schemas['Operation'][] }) {
  if (props.operations.length === 0) return <p>None.</p>;
  return (
    <Table label="Operations table">
      <thead>
        <tr>
          <th scope="col">Operation</th>
          <th scope="col">Target</th>
          <th scope="col">Status</th>
          <th scope="col">Done</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {props.operations.map((operation) => (
          <tr key={operation.id}>
            <td>
              <Link href={`/operations/${operation.id}`}>{operation.kind}</Link>
            </td>
            <td>{operation.target.name}</td>
            <td>
              <span class={`status status-${operation.status}`}>{operation.status}</span>
            </td>
            <td>
              {percentDone(operation)} % of {operation.counts.total}
            </td>
            <td>{when(operation.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
