/**
 * Creates or edits a policy: its name, target (one topic or client, a prefix with a live preview of what it matches,
 * every topic, or the C2 key), schedule (presets or an expression, with its next runs previewed where the browser can
 * compute them) and event triggers. Editing replaces the policy whole at the revision it was read at, so a change made
 * meanwhile by someone else is refused (409) rather than overwritten.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useLoad } from '../components/useLoad.js';
import { when } from '../format.js';
import { actionOf, kindOf, TARGET_KINDS, type TargetKind, targetOf } from './policyTarget.js';
import { prefixMatches } from './prefixMatches.js';
import { PRESETS, previewSchedule } from './schedulePresets.js';

type EventType = Schemas['PolicyEvent']['type'];

interface EventFields {
  on: boolean;
  count: string;
  delayMinutes: string;
  batchMinutes: string;
  days: string;
}

const EVENT_TYPES: readonly { type: EventType; label: string }[] = [
  { type: 'client.subscribed', label: 'After clients join a topic' },
  { type: 'client.unsubscribed', label: 'After clients leave a topic' },
  { type: 'client.removed', label: 'After a client is removed (the removed device never gets the new key)' },
  { type: 'key.age', label: 'When the key reaches an age' },
];

function eventFieldsOf(events: readonly Schemas['PolicyEvent'][] | undefined): Record<EventType, EventFields> {
  const fields = {} as Record<EventType, EventFields>;
  for (const { type } of EVENT_TYPES) {
    const event = events?.find((e) => e.type === type);
    fields[type] = {
      on: event !== undefined,
      count: event && 'count' in event ? String(event.count) : '10',
      delayMinutes:
        event && 'delayMinutes' in event && event.delayMinutes !== undefined ? String(event.delayMinutes) : '0',
      batchMinutes:
        event && 'batchMinutes' in event && event.batchMinutes !== undefined ? String(event.batchMinutes) : '',
      days: event && 'days' in event ? String(event.days) : '90',
    };
  }
  return fields;
}

function eventsOf(fields: Record<EventType, EventFields>): Schemas['PolicyEvent'][] {
  const events: Schemas['PolicyEvent'][] = [];
  for (const { type } of EVENT_TYPES) {
    const f = fields[type];
    if (!f.on) continue;
    if (type === 'client.subscribed' || type === 'client.unsubscribed') events.push({ type, count: Number(f.count) });
    else if (type === 'client.removed')
      events.push({
        type,
        delayMinutes: Number(f.delayMinutes || '0'),
        ...(f.batchMinutes ? { batchMinutes: Number(f.batchMinutes) } : {}),
      });
    else events.push({ type: 'key.age', days: Number(f.days) });
  }
  return events;
}

export function PolicyForm(props: { policy?: Schemas['Policy']; onSaved(policy: Schemas['Policy']): void }) {
  const { policy } = props;
  const initialTarget = policy ? kindOf(policy.target) : { kind: 'topicPrefix' as TargetKind, text: '' };
  const [name, setName] = useState(policy?.name ?? '');
  const [kind, setKind] = useState<TargetKind>(initialTarget.kind);
  const [text, setText] = useState(initialTarget.text);
  const [scheduled, setScheduled] = useState(policy ? policy.schedule !== undefined : true);
  const [expression, setExpression] = useState(policy?.schedule?.expression ?? 'rate(30 days)');
  const [timezone, setTimezone] = useState(policy?.schedule?.timezone ?? '');
  const [events, setEvents] = useState(eventFieldsOf(policy?.events));
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const needsText = TARGET_KINDS.find((k) => k.kind === kind)!.needsText;
  const prefix = kind === 'topicPrefix' || kind === 'clientPrefix' ? kind : undefined;
  const id = policy ? `policy-${policy.id}` : 'new-policy';

  // The prefix previewed, a moment after typing stops.
  const [previewed, setPreviewed] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setPreviewed(text), 400);
    return () => clearTimeout(timer);
  }, [text]);
  const matches = useLoad(
    async () => (prefix && previewed ? prefixMatches(prefix, previewed) : undefined),
    [prefix, previewed],
  );
  const now = new Date();
  const preview = previewSchedule(expression, policy ? new Date(policy.createdAt) : now, now);

  const setEvent = (type: EventType, change: Partial<EventFields>) =>
    setEvents({ ...events, [type]: { ...events[type], ...change } });

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    const chosenEvents = eventsOf(events);
    const body: Schemas['PolicyInput'] = {
      name: name.trim(),
      target: targetOf(kind, text),
      action: actionOf(kind),
      ...(scheduled ? { schedule: { expression: expression.trim(), ...(timezone ? { timezone } : {}) } } : {}),
      ...(chosenEvents.length > 0 ? { events: chosenEvents } : {}),
      enabled,
    };
    try {
      const saved = policy
        ? await call(
            api.PUT('/v1/policies/{policyId}', {
              params: { path: { policyId: policy.id }, query: { revision: policy.revision } },
              body,
            }),
          )
        : await call(api.POST('/v1/policies', { body }));
      props.onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label={policy ? 'Edit the policy' : 'New policy'}>
      <label for={`${id}-name`}>Name</label>
      <input id={`${id}-name`} required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />

      <fieldset>
        <legend>What it rotates</legend>
        <label for={`${id}-kind`}>Target</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.currentTarget.value as TargetKind)}>
          {TARGET_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        {needsText && (
          <>
            <label for={`${id}-target`}>{kind.startsWith('topic') ? 'Topic' : 'Client name'}</label>
            <input
              id={`${id}-target`}
              required
              maxLength={512}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </>
        )}
        <p class="hint">
          {kind === 'tenant'
            ? 'Rotates the C2 key: each public-key client is sent the new one.'
            : kind.startsWith('client')
              ? 'Gives each client named a new identity key.'
              : 'Rotates the key of each topic named; a prefix takes the topics created later too.'}
        </p>
        {prefix && previewed && (
          <div aria-live="polite" data-testid="prefix-preview">
            <ErrorNote error={matches.error} />
            {matches.data && (
              <p>
                {matches.data.names.length === 0
                  ? `Matches nothing today (${prefix === 'topicPrefix' ? 'topics' : 'clients'} made later will count).`
                  : `Matches ${matches.data.partial ? 'at least ' : ''}${matches.data.names.length} today: ${matches.data.names.slice(0, 10).join(', ')}${matches.data.names.length > 10 ? ', …' : ''}`}
              </p>
            )}
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>When it runs</legend>
        <label class="choice">
          <input type="checkbox" checked={scheduled} onChange={(e) => setScheduled(e.currentTarget.checked)} />
          On a schedule
        </label>
        {scheduled && (
          <>
            <label for={`${id}-preset`}>Preset</label>
            <select
              id={`${id}-preset`}
              value={PRESETS.some((p) => p.expression === expression) ? expression : ''}
              onChange={(e) => e.currentTarget.value && setExpression(e.currentTarget.value)}
            >
              <option value="">Custom</option>
              {PRESETS.map((p) => (
                <option key={p.expression} value={p.expression}>
                  {p.label}
                </option>
              ))}
            </select>
            <label for={`${id}-expression`}>Schedule expression</label>
            <input
              id={`${id}-expression`}
              required
              maxLength={256}
              value={expression}
              onInput={(e) => setExpression(e.currentTarget.value)}
            />
            <label for={`${id}-timezone`}>Time zone of cron and at times (default UTC)</label>
            <input
              id={`${id}-timezone`}
              placeholder="Europe/Paris"
              value={timezone}
              onInput={(e) => setTimezone(e.currentTarget.value)}
            />
            <div aria-live="polite" data-testid="schedule-preview">
              {preview.kind === 'runs' && (
                <p>
                  Runs {preview.words}
                  {preview.runs.length > 0
                    ? `; next at ${preview.runs.map((run) => when(run.toISOString())).join(', ')}.`
                    : '; that time has passed.'}
                </p>
              )}
              {preview.kind === 'cron' && (
                <p class="hint">The C2 checks a cron expression on saving; the policy's page lists its next runs.</p>
              )}
              {preview.kind === 'invalid' && <p class="hint">{preview.message}</p>}
            </div>
          </>
        )}
        {EVENT_TYPES.map(({ type, label }) => (
          <div key={type} class="event">
            <label class="choice">
              <input
                type="checkbox"
                checked={events[type].on}
                onChange={(e) => setEvent(type, { on: e.currentTarget.checked })}
              />
              {label}
            </label>
            {events[type].on && (type === 'client.subscribed' || type === 'client.unsubscribed') && (
              <NumberField
                id={`${id}-${type}-count`}
                label="How many"
                min={1}
                max={1000000}
                value={events[type].count}
                onInput={(count) => setEvent(type, { count })}
              />
            )}
            {events[type].on && type === 'client.removed' && (
              <>
                <NumberField
                  id={`${id}-removed-delay`}
                  label="Delay (minutes)"
                  min={0}
                  max={10080}
                  value={events[type].delayMinutes}
                  onInput={(delayMinutes) => setEvent(type, { delayMinutes })}
                />
                <NumberField
                  id={`${id}-removed-batch`}
                  label="Removals within (minutes) make one run"
                  min={1}
                  max={10080}
                  optional
                  value={events[type].batchMinutes}
                  onInput={(batchMinutes) => setEvent(type, { batchMinutes })}
                />
              </>
            )}
            {events[type].on && type === 'key.age' && (
              <NumberField
                id={`${id}-age-days`}
                label="Age (days)"
                min={1}
                max={3650}
                value={events[type].days}
                onInput={(days) => setEvent(type, { days })}
              />
            )}
          </div>
        ))}
      </fieldset>

      <label class="choice">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        Enabled (off: kept, but runs neither on schedule nor on events)
      </label>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : policy ? 'Save the policy' : 'Create policy'}
      </button>
    </form>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  min: number;
  max: number;
  value: string;
  optional?: boolean;
  onInput(value: string): void;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        required={!props.optional}
        min={props.min}
        max={props.max}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </>
  );
}
