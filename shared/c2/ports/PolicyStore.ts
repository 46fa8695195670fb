/**
 * Rotation policies of a tenant and the history of their runs (issue "rotation policies"): this port stores them.
 * A policy is replaced whole, conditionally on its revision (optimistic concurrency); a run is appended once (a
 * repeat of the same run, as a retried scheduled invocation, finds the one stored). Failures are C2Errors:
 * ALREADY_EXISTS, NOT_FOUND, CONCURRENT_UPDATE, INVALID_CURSOR.
 */
import type { PolicyRecord } from '../policies/PolicyRecord.js';
import type { Page, PageRequest } from '../ports.js';
import type { OperationTarget } from './OperationStore.js';

export const RUN_REASONS = ['schedule', 'manual', 'event'] as const;
/** `schedule` its schedule fell due, `manual` asked for by hand (POST .../run), `event` one of its events. */
export type RunReason = (typeof RUN_REASONS)[number];

export const RUN_OUTCOMES = ['started', 'empty', 'skipped', 'failed'] as const;
/**
 * `started` it started an operation per target (their own outcomes are the operations'); `empty` no target matched;
 * `skipped` the policy was disabled; `failed` it stopped at an error (the operations it started before are listed).
 */
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How many of a run's operations its record lists with their targets. */
export const RUN_OPERATIONS_LISTED = 100;

/** One operation a run started, and what on. */
export interface RunOperation {
  readonly id: string;
  readonly target: OperationTarget;
}

/**
 * The event of an event run: its type (a PolicyEvent's) and the one name the run is on: the topic it counted on, the
 * client whose key is old (`key.age`), or neither for the tenant's C2 key.
 */
export interface RunEvent {
  readonly type: string;
  readonly topic?: string;
  readonly client?: string;
}

/** One event counted by {@link PolicyStore.countEvent}. */
export interface EventCount {
  readonly tenantId: string;
  readonly policyId: string;
  /** What is counted on its own: the event type and the topic (policies/countLinkChange.ts). */
  readonly counter: string;
  /** The event's identity ([0-9A-Za-z_.:-]{1,128}): the same event counted again is not counted twice. */
  readonly eventId: string;
  /** A run falls due every `threshold` events. */
  readonly threshold: number;
  /** Now (ms since the epoch): the counter's lease and the event's marker expire by it. */
  readonly now: number;
}

/** What {@link PolicyStore.countEvent} did. */
export interface EventCounted {
  /** False when the event had been counted already. */
  readonly counted: boolean;
  /** The events counted towards the next run. */
  readonly count: number;
  /**
   * The generations (1, 2, ...) whose runs fell due and are not settled yet: each run once (its key holds the
   * generation), then {@link PolicyStore.settleEventRun}. A run left by a crash is still listed by the next count.
   */
  readonly due: readonly number[];
}

export interface RemovalWindowInput {
  readonly tenantId: string;
  readonly policyId: string;
  readonly counter: string;
  /** As {@link EventCount.eventId}. */
  readonly eventId: string;
  /** When the removal happened (ms). */
  readonly at: number;
  readonly batchMs: number;
  readonly delayMs: number;
}

export interface RemovalWindow {
  /** When it opened (ms): its identity. */
  readonly window: number;
  readonly dueAt: number;
  readonly armed: boolean;
}

export interface PolicyRunRecord {
  readonly tenantId: string;
  readonly policyId: string;
  /** Sortable by the run's time, like an operation id (see policies/runPolicy.ts): unique within the policy. */
  readonly id: string;
  /** ISO 8601: when it ran (a scheduled run: its scheduled time). */
  readonly at: string;
  readonly reason: RunReason;
  /** The time the schedule named, for a scheduled run (ISO 8601). */
  readonly scheduledTime?: string;
  /** A scheduled run that stands for the runs that fell due while nothing ran the schedule (local mode stopped). */
  readonly missed?: true;
  /** Who asked (API key id, 'scheduler', ...). */
  readonly actor: string;
  /** For an event run: the event that made it due, and the one name it ran on. */
  readonly event?: RunEvent;
  /** The first {@link RUN_OPERATIONS_LISTED} operations the run started, with their targets. */
  readonly operations: readonly RunOperation[];
  /** How many operations the run started (all of them). */
  readonly operationCount: number;
  /** The ids of those after the first {@link RUN_OPERATIONS_LISTED} (a run's record stays far below an item's size). */
  readonly moreOperationIds?: readonly string[];
  readonly outcome: RunOutcome;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface PolicyStore {
  /** ALREADY_EXISTS when the id is taken. */
  createPolicy(record: PolicyRecord): Promise<void>;
  getPolicy(tenantId: string, id: string): Promise<PolicyRecord | undefined>;
  /** In id order (ids sort by creation time). */
  listPolicies(tenantId: string, page: PageRequest): Promise<Page<PolicyRecord>>;
  countPolicies(tenantId: string): Promise<number>;
  /**
   * Replaces the policy with `record` (the caller keeps its `createdAt`) if its stored revision is still
   * `expectedRevision` (else CONCURRENT_UPDATE; NOT_FOUND without it); `record.revision` is the new one.
   */
  replacePolicy(record: PolicyRecord, expectedRevision: number): Promise<void>;
  /** NOT_FOUND when there is none. Its runs stay until they expire (they are read through the policy only). */
  deletePolicy(tenantId: string, id: string): Promise<void>;

  /** Stores the run; a run of that policy and id stored already is kept, and returned (`created: false`). */
  appendRun(run: PolicyRunRecord): Promise<{ run: PolicyRunRecord; created: boolean }>;
  getRun(tenantId: string, policyId: string, runId: string): Promise<PolicyRunRecord | undefined>;
  /**
   * Counts an event towards a policy's counter, exactly: an event counted twice (a redelivery) counts once, events
   * counted at once are all counted; every `threshold` events a generation falls due (see {@link EventCounted}).
   * CONCURRENT_UPDATE when the counter stayed busy (the event is to be counted again later).
   */
  countEvent(count: EventCount): Promise<EventCounted>;
  /**
   * A removal (`client.removed`) at `at` on a counter: opens a window there unless one opened at most `batchMs`
   * before (then it joins that one); an event seen already joins the current window. The window's `dueAt` is its
   * start + `batchMs` + `delayMs`; `armed` once {@link PolicyStore.armRemovalWindow} said its run is queued.
   */
  openRemovalWindow(removal: RemovalWindowInput): Promise<RemovalWindow>;
  /** The window's run is queued (a removal joining it queues nothing more). */
  armRemovalWindow(tenantId: string, policyId: string, counter: string, window: number): Promise<void>;
  /** The run of `generation` is recorded: no longer due. */
  settleEventRun(tenantId: string, policyId: string, counter: string, generation: number): Promise<void>;

  /** The policy's runs, newest first. */
  listRuns(tenantId: string, policyId: string, page: PageRequest): Promise<Page<PolicyRunRecord>>;
}
