/**
 * What the API shows of an enrolment window, with its status at a time: `closed` (by hand), `expired` (its
 * `closesAt` passed), `full` (it enrolled `maxCount` devices), else `open`. Pure.
 */
import type { EnrolmentMode, EnrolmentWindowRecord } from '../ports/EnrolmentWindowStore.js';

export type EnrolmentWindowStatus = 'open' | 'closed' | 'expired' | 'full';

export interface EnrolmentWindowView {
  readonly id: string;
  readonly name?: string;
  readonly status: EnrolmentWindowStatus;
  readonly mode: EnrolmentMode;
  readonly topics: string[];
  readonly maxCount: number;
  readonly enrolled: number;
  readonly closesAt: string;
  readonly closedAt?: string;
  readonly createdAt: string;
}

export function enrolmentWindowStatus(record: EnrolmentWindowRecord, now: number): EnrolmentWindowStatus {
  if (record.closedAt !== undefined) return 'closed';
  if (Date.parse(record.closesAt) <= now) return 'expired';
  if (record.enrolled >= record.maxCount) return 'full';
  return 'open';
}

export function enrolmentWindowView(record: EnrolmentWindowRecord, now: number): EnrolmentWindowView {
  const { id, mode, topics, maxCount, enrolled, closesAt, createdAt } = record;
  return {
    id,
    ...(record.name === undefined ? {} : { name: record.name }),
    status: enrolmentWindowStatus(record, now),
    mode,
    topics: [...topics],
    maxCount,
    enrolled,
    closesAt,
    ...(record.closedAt === undefined ? {} : { closedAt: record.closedAt }),
    createdAt,
  };
}
