/**
 * Events of the audit trail as a table: when, who, what, target, result; with `details`, each event's details on
 * demand (the audit page), without them the short form (the dashboard's recent events).
 */
import type { Schemas } from '../api/api.js';
import { when } from '../format.js';
import { Table } from './Table.js';

export function EventsTable({
  events,
  label,
  details = false,
}: {
  events: Schemas['Event'][];
  label: string;
  details?: boolean;
}) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Target</th>
          <th scope="col">Result</th>
          {details && <th scope="col">Details</th>}
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>{when(event.at)}</td>
            <td>{event.actor}</td>
            <td>{event.action}</td>
            <td>{details ? `${event.target.type} ${event.target.name}` : event.target.name}</td>
            <td>
              {details ? (
                <span class={`status status-${event.result === 'ok' ? 'succeeded' : 'failed'}`}>
                  {event.result}
                  {event.errorCode ? ` ${event.errorCode}` : ''}
                </span>
              ) : (
                event.result
              )}
            </td>
            {details && (
              <td>
                {event.details && Object.keys(event.details).length > 0 ? (
                  <details>
                    <summary>Show</summary>
                    <pre>{JSON.stringify(event.details, null, 2)}</pre>
                  </details>
                ) : (
                  '—'
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
