/**
 * The times of `--from` / `--to`: an ISO time as the API takes it (`2026-11-23T00:00:00Z`), a day
 * (`2026-11-23`, its midnight UTC), or an age before now (`90m`, `24h`, `7d`).
 */
import { usageError } from '../CliError.js';

const AGE = /^([0-9]{1,6})([mhd])$/;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function timeOf(option: string, value: string, now: number = Date.now()): string {
  const age = AGE.exec(value);
  if (age) return new Date(now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS]).toISOString();
  const text = DAY.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(text);
  if (!/^[0-9]{4}-/.test(text) || !Number.isFinite(ms)) {
    throw usageError(`${option} "${value}" is not a time: 2026-11-23T08:00:00Z, 2026-11-23, or an age as 90m, 24h, 7d`);
  }
  return new Date(ms).toISOString();
}
