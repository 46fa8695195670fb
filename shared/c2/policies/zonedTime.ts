/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl` (the runtime's time zone data): whether a zone name
 * is valid, and the UTC instants a local date and time stand for (none in a spring-forward gap, two in a repeated
 * hour). Offsets are read from the zone at the instants around the wall time, so every rule of the zone data applies.
 */

/** A local date and time: month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-59. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The zone of a schedule that names none (EventBridge Scheduler's default). */
export const DEFAULT_TIMEZONE = 'UTC';
const MAX_ZONE_NAME = 50;
/** An IANA name (`Europe/Paris`, `UTC`, `Etc/GMT+5`), not an offset such as `+01:00`, which Intl also reads. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timezone, format);
  }
  return format;
}

/** True for a time zone name the runtime knows (`UTC`, `Europe/Paris`, ...). */
export function isTimezone(timezone: unknown): timezone is string {
  if (typeof timezone !== 'string' || timezone.length > MAX_ZONE_NAME || !ZONE_NAME.test(timezone)) return false;
  try {
    formatOf(timezone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time of `instant` (ms since the epoch) in `timezone`. */
export function wallTimeOf(instant: number, timezone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatOf(timezone).formatToParts(instant)) parts[type] = Number(value);
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The wall time read as if it were UTC (ms). */
export function utcOf(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC (ms) at `instant`. */
export function offsetAt(instant: number, timezone: string): number {
  return utcOf(wallTimeOf(instant, timezone)) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instants (ms, ascending) at which clocks in `timezone` show `wall`: one, none when the wall time falls in a
 * gap (spring forward), two when it falls in a repeated hour (fall back). Zones change offset at most once a day.
 */
export function instantsOf(wall: WallTime, timezone: string): number[] {
  const local = utcOf(wall);
  const offsets = new Set([offsetAt(local - DAY_MS, timezone), offsetAt(local + DAY_MS, timezone)]);
  const instants = [...offsets]
    .map((offset) => local - offset)
    .filter((instant) => utcOf(wallTimeOf(instant, timezone)) === local);
  return [...new Set(instants)].sort((a, b) => a - b);
}
