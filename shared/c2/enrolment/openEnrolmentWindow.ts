/**
 * Opens an enrolment window (trust on first use): until it closes (`closesAt`, or `durationMinutes` from now, at
 * most {@link MAX_WINDOW_MINUTES}) and for at most `maxCount` devices, the holder of its token enrols devices itself
 * (enrolClient.ts). The token is an API key of scope `enrol` expiring when the window closes, shown once; its key
 * id is the window's id (the token names its window). The key is made first, then the window: a crash between the
 * two leaves a key that opens nothing (enrolments are refused without a window) and expires with it.
 */

import { createApiKey } from '../apiKeys/createApiKey.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { ENROLMENT_MODES, type EnrolmentMode, type EnrolmentWindowRecord } from '../ports/EnrolmentWindowStore.js';
import type { Caller } from '../ports.js';
import { requireTopic } from '../topics/requireTopic.js';
import { validateTopic } from '../topics/validateTopic.js';
import { type EnrolmentWindowView, enrolmentWindowView } from './EnrolmentWindowView.js';

/** The longest window: a week. */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;
export const MAX_WINDOW_COUNT = 10_000;
export const MAX_WINDOW_TOPICS = 20;

export interface EnrolmentWindowInput {
  readonly name?: string;
  /** ISO 8601, in the future, within {@link MAX_WINDOW_MINUTES}; or `durationMinutes`. */
  readonly closesAt?: string;
  readonly durationMinutes?: number;
  readonly maxCount: number;
  /** Default `any`. */
  readonly mode?: EnrolmentMode;
  /** Topics (existing) each device enrolled is put on; a window with topics enrols one mode. */
  readonly topics?: readonly string[];
}

export interface OpenedEnrolmentWindow {
  readonly window: EnrolmentWindowView;
  /** The window's `enrol` token: shown once. */
  readonly token: string;
}

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

export async function openEnrolmentWindow(
  deps: C2Deps,
  caller: Caller,
  input: EnrolmentWindowInput,
): Promise<OpenedEnrolmentWindow> {
  if (input === null || typeof input !== 'object') throw invalid('expected an object');
  const now = deps.clock();
  const name = input.name === undefined ? undefined : validateClientName(input.name);
  const closesAt = closingTime(input, now);
  const { maxCount } = input;
  if (!Number.isSafeInteger(maxCount) || maxCount < 1 || maxCount > MAX_WINDOW_COUNT) {
    throw invalid(`"maxCount" must be an integer from 1 to ${MAX_WINDOW_COUNT}`);
  }
  const mode = input.mode ?? 'any';
  if (!ENROLMENT_MODES.includes(mode)) throw invalid('"mode" must be symmetric, pubkey or any');
  const topics = [...new Set((input.topics ?? []).map(validateTopic))];
  if (topics.length > MAX_WINDOW_TOPICS) throw invalid(`"topics" holds at most ${MAX_WINDOW_TOPICS} topics`);
  if (topics.length > 0 && mode === 'any') {
    throw invalid('a window with topics enrols one mode: "mode" must be symmetric or pubkey');
  }
  for (const topic of topics) await requireTopic(deps, caller.tenantId, topic);
  // The key's name is fixed (the window's, up to 255 bytes, would not fit after a prefix): the window names it.
  const key = await createApiKey(deps, caller, {
    name: 'enrolment window',
    scope: 'enrol',
    expiresAt: closesAt,
  });
  const record: EnrolmentWindowRecord = {
    tenantId: caller.tenantId,
    id: key.keyId,
    ...(name === undefined ? {} : { name }),
    mode,
    topics,
    maxCount,
    enrolled: 0,
    closesAt,
    actor: caller.actor,
    createdAt: new Date(now).toISOString(),
  };
  await audited(deps, caller, 'enrolment.open', { type: 'enrolment-window', name: record.id }, async () => {
    await deps.store.createEnrolmentWindow(record);
    return { value: undefined, details: { closesAt, maxCount, mode, topics, ...(name === undefined ? {} : { name }) } };
  });
  return { window: enrolmentWindowView(record, now), token: key.token };
}

/** The window's end as ISO 8601 in UTC: later than `now`, at most {@link MAX_WINDOW_MINUTES} after it. */
function closingTime(input: EnrolmentWindowInput, now: number): string {
  const { closesAt, durationMinutes } = input;
  if ((closesAt === undefined) === (durationMinutes === undefined)) {
    throw invalid('give one of "closesAt" or "durationMinutes"');
  }
  let at: number;
  if (durationMinutes !== undefined) {
    if (!Number.isSafeInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > MAX_WINDOW_MINUTES) {
      throw invalid(`"durationMinutes" must be an integer from 1 to ${MAX_WINDOW_MINUTES}`);
    }
    at = now + durationMinutes * 60_000;
  } else {
    at = typeof closesAt === 'string' ? Date.parse(closesAt) : Number.NaN;
    if (!Number.isFinite(at)) throw invalid('"closesAt" must be an ISO 8601 time');
    if (at <= now) throw invalid('"closesAt" must be in the future');
    if (at > now + MAX_WINDOW_MINUTES * 60_000) throw invalid('"closesAt" must be within 7 days');
  }
  return new Date(at).toISOString();
}
