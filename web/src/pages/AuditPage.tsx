/**
 * The audit trail: the event log newest first, a page at a time, filtered by actor, action, target type and target,
 * result and time range (the filters the API takes), each event's details on demand; and the export of the filtered
 * log as JSON lines (oldest first, the API's format, verifiable offline with `npm run verify-events`), downloaded as
 * a file after following the export's `Link: rel="next"` pages (a next link seen twice stops it with an error).
 */
import { useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { EventsTable } from '../components/EventsTable.js';
import { Pager, usePages } from '../components/Pager.js';
import { useLoad } from '../components/useLoad.js';

type TargetType = NonNullable<Schemas['Event']['target']['type']>;
const TARGET_TYPES: readonly TargetType[] = [
  'client',
  'topic',
  'link',
  'c2key',
  'apikey',
  'policy',
  'tenant',
  'enrolment-window',
  'factory-batch',
];

interface Filters {
  actor?: string;
  action?: string;
  targetType?: TargetType;
  target?: string;
  result?: 'ok' | 'error';
  from?: string;
  to?: string;
}

/** A datetime-local value (the browser's zone) as the API's ISO instant; undefined when empty or not a date. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The cursor of an export's next page, from its `Link: <...?cursor=...>; rel="next"` header. */
export function nextCursor(link: string | null): string | undefined {
  const match = link && /<([^>]+)>;\s*rel="next"/.exec(link);
  if (!match) return undefined;
  return new URL(match[1]!, window.location.origin).searchParams.get('cursor') ?? undefined;
}

export function AuditPage() {
  const [form, setForm] = useState<Record<keyof Filters, string>>({
    actor: '',
    action: '',
    targetType: '',
    target: '',
    result: '',
    from: '',
    to: '',
  });
  const [filters, setFilters] = useState<Filters>({});
  const pages = usePages();
  const events = useLoad(
    () =>
      call(
        api.GET('/v1/events', {
          params: { query: { ...filters, limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
        }),
      ),
    [JSON.stringify(filters), pages.cursor],
  );
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(undefined);
  const [exported, setExported] = useState<string>();

  const field = (name: keyof Filters) => ({
    id: `audit-${name}`,
    value: form[name],
    onInput: (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
      setForm({ ...form, [name]: e.currentTarget.value }),
  });

  const apply = (event: Event) => {
    event.preventDefault();
    const chosen: Filters = {};
    for (const name of ['actor', 'action', 'target'] as const) if (form[name].trim()) chosen[name] = form[name].trim();
    if (form.targetType) chosen.targetType = form.targetType as TargetType;
    if (form.result) chosen.result = form.result as 'ok' | 'error';
    const from = instant(form.from);
    const to = instant(form.to);
    if (from) chosen.from = from;
    if (to) chosen.to = to;
    pages.reset();
    setFilters(chosen);
  };

  const exportLog = async () => {
    setExporting(true);
    setExportError(undefined);
    setExported(undefined);
    try {
      const parts: string[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        if (cursor !== undefined) {
          if (seen.has(cursor))
            throw new Error('The export repeated a page (same next link twice): stopped, nothing saved.');
          seen.add(cursor);
        }
        const answer = await api.GET('/v1/events/export', {
          params: { query: { ...filters, ...(cursor ? { cursor } : {}) } },
          parseAs: 'text',
        });
        const text = await call(Promise.resolve(answer));
        parts.push(text);
        cursor = nextCursor(answer.response.headers.get('link'));
      } while (cursor);
      const body = parts.join('');
      const lines = body.split('\n').filter((line) => line.length > 0).length;
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([body], { type: 'application/x-ndjson' }));
      link.download = `events-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      setExported(`${lines} events exported (oldest first), as ${link.download}.`);
    } catch (failure) {
      setExportError(failure);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <h1>Audit trail</h1>
      <p class="hint">Every change, who made it and with what result, newest first.</p>
      <form class="filters" onSubmit={apply} aria-label="Filters">
        <div>
          <label for="audit-actor">Actor</label>
          <input {...field('actor')} placeholder="apikey:<key id>, scheduler" />
        </div>
        <div>
          <label for="audit-action">Action</label>
          <input {...field('action')} placeholder="policy.create" />
        </div>
        <div>
          <label for="audit-targetType">Target type</label>
          {/* A target is a type and a name (the API refuses one without the other): each asked for once the other is. */}
          <select {...field('targetType')} required={form.target.trim() !== ''}>
            <option value="">Any</option>
            {TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="audit-target">Target name</label>
          <input {...field('target')} required={form.targetType !== ''} />
        </div>
        <div>
          <label for="audit-result">Result</label>
          <select {...field('result')}>
            <option value="">Any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </div>
        <div>
          <label for="audit-from">From</label>
          <input type="datetime-local" {...field('from')} />
        </div>
        <div>
          <label for="audit-to">To</label>
          <input type="datetime-local" {...field('to')} />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            Filter
          </button>
          <button type="button" onClick={exportLog} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export as JSON lines'}
          </button>
        </div>
      </form>
      <ErrorNote error={exportError} />
      {exported && <p role="status">{exported}</p>}
      <ErrorNote error={events.error} />
      {events.data?.items.length === 0 && <p>No event matches.</p>}
      {events.data && events.data.items.length > 0 && (
        <EventsTable events={events.data.items} label="Events table" details />
      )}
      <Pager pages={pages} nextCursor={events.data?.cursor} label="Event pages" />
    </>
  );
}
