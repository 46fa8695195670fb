/**
 * Schedules offered by the policy form, each with the words it reads as, and a preview of the next runs that the
 * browser can compute on its own: `rate(...)` (one period after saving, then each period) and `at(...)` (once). Cron
 * is the C2's to compute (there is no preview route): the policy's page shows its next runs once saved.
 */
export interface Preset {
  readonly label: string;
  readonly expression: string;
}

export const PRESETS: readonly Preset[] = [
  { label: 'Every hour', expression: 'rate(1 hour)' },
  { label: 'Every 6 hours', expression: 'rate(6 hours)' },
  { label: 'Every day', expression: 'rate(1 day)' },
  { label: 'Every week', expression: 'rate(7 days)' },
  { label: 'Every 30 days', expression: 'rate(30 days)' },
  { label: 'Every day at 03:00', expression: 'cron(0 3 * * ? *)' },
  { label: 'Every Monday at 03:00', expression: 'cron(0 3 ? * MON *)' },
  { label: 'On the first of each month at 03:00', expression: 'cron(0 3 1 * ? *)' },
];

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const RATE = /^rate\((\d{1,6}) (minute|hour|day)s?\)$/;
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

export type Preview =
  | { readonly kind: 'runs'; readonly words: string; readonly runs: readonly Date[] }
  | { readonly kind: 'cron' }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * The next `count` runs after `now` of a schedule whose rate counts from `start` (the policy's creation; now for a new
 * one), in words and dates (cron: left to the C2).
 */
export function previewSchedule(expression: string, start: Date, now: Date, count = 5): Preview {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    if (n < 1) return { kind: 'invalid', message: 'A rate is at least 1 minute.' };
    const period = n * UNIT_MS[unit]!;
    const first = Math.max(1, Math.floor((now.getTime() - start.getTime()) / period) + 1);
    const runs = Array.from({ length: count }, (_, i) => new Date(start.getTime() + (first + i) * period));
    return { kind: 'runs', words: n === 1 ? `every ${unit}` : `every ${n} ${unit}s`, runs };
  }
  const at = AT.exec(text);
  if (at) {
    const when = new Date(`${at[1]}Z`);
    if (Number.isNaN(when.getTime())) return { kind: 'invalid', message: 'Not a date and time.' };
    return { kind: 'runs', words: 'once (UTC unless a time zone is given)', runs: when > now ? [when] : [] };
  }
  if (/^cron\(.+\)$/.test(text)) return { kind: 'cron' };
  return {
    kind: 'invalid',
    message:
      'Write rate(<n> minutes|hours|days), cron(<min> <hour> <day> <month> <weekday> <year>) or at(<date>T<time>).',
  };
}
